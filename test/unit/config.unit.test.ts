import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { Secret } from '../../lib/secret';
import { describeTemporalSecurity, temporalConnectionOptions } from '../../lib/temporal';
import { makeTestPki, type TestPki } from '../harness/pki';

function problemsIn(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  return problemsIn(env).map((problem) => problem.variable);
}

describe('loadConfig', () => {
  it('has the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.api.port).toBe(3000);
    expect(config.temporal).toStrictEqual({
      address: undefined,
      namespace: 'default',
      uiUrl: 'http://localhost:8233',
      tls: undefined,
      apiKey: undefined,
    });
    expect(config.database.url).toBeUndefined();
    expect(config.timeZone).toBe('America/Santiago');
    expect(config.worker.taskQueues).toEqual(['metrics', 'cv', 'etl', 'telemetry', 'compliance', 'platform']);
    expect(config.local).toEqual({
      simulatorsPort: 4010,
      bigqueryEmulatorPort: 9050,
      postgresPort: 54329,
      temporalPort: 7233,
      temporalUiPort: 8233,
      maildevWebPort: 1080,
      maildevSmtpPort: 1025,
    });
  });

  it('names every bad variable', () => {
    expect(
      problemsOf({
        API_PORT: '70000',
        PIPELINES_TZ: 'Mars/Olympus',
        WORKER_TASK_QUEUES: 'metrics,billing',
        DATABASE_URL: 'mysql://x',
        TEMPORAL_ADDRESS: 'no-port',
        CV_BASE_URL: 'ftp://cv',
      }).sort(),
    ).toEqual(['API_PORT', 'CV_BASE_URL', 'DATABASE_URL', 'PIPELINES_TZ', 'TEMPORAL_ADDRESS', 'WORKER_TASK_QUEUES']);
  });

  it('reads the rate limits, with generous defaults, and names a bad one', () => {
    expect(loadConfig({}).api.rateLimit).toEqual({ perKey: 600, perAddress: 120, windowMs: 60_000 });
    const set = { API_RATE_LIMIT: '5', API_RATE_LIMIT_ANONYMOUS: '3', API_RATE_LIMIT_WINDOW: '2s' };
    expect(loadConfig(set).api.rateLimit).toEqual({ perKey: 5, perAddress: 3, windowMs: 2000 });
    expect(problemsOf({ API_RATE_LIMIT: '0', API_RATE_LIMIT_ANONYMOUS: 'lots', API_RATE_LIMIT_WINDOW: '30d' })).toEqual(
      ['API_RATE_LIMIT', 'API_RATE_LIMIT_ANONYMOUS', 'API_RATE_LIMIT_WINDOW'],
    );
  });

  it('parses API keys and rejects malformed ones', () => {
    const config = loadConfig({ API_KEYS: 'ops:operator:aaaaaaaaaaaaaaaa, ro:viewer:b:bbbbbbbbbbbbbbbb' });
    expect(config.api.keys?.map(({ name, role, secret }) => [name, role, secret.reveal()])).toEqual([
      ['ops', 'operator', 'aaaaaaaaaaaaaaaa'],
      ['ro', 'viewer', 'b:bbbbbbbbbbbbbbbb'],
    ]);
    for (const bad of [
      'ops:admin:aaaaaaaaaaaaaaaa',
      'ops:operator:short',
      'ops:operator',
      'a:viewer:xxxxxxxxxxxxxxxx,a:viewer:yyyyyyyyyyyyyyyy',
    ]) {
      expect(problemsOf({ API_KEYS: bad })).toEqual(['API_KEYS']);
    }
  });

  it('treats blank variables as unset and selects task queues', () => {
    const config = loadConfig({ DATABASE_URL: ' ', WORKER_TASK_QUEUES: 'cv, etl,cv' });
    expect(config.database.url).toBeUndefined();
    expect(config.worker.taskQueues).toEqual(['cv', 'etl']);
  });
});

describe('secrets', () => {
  const env = {
    DATABASE_URL: 'postgres://app:db-password-123@db:5432/app',
    API_KEYS: 'ops:operator:api-secret-0123456789',
    CV_PASSWORD: 'cv-password-456',
  };

  it('never appear in JSON, inspect or logs', () => {
    const config = loadConfig(env);
    const lines: string[] = [];
    const logger = createLogger('info', {}, { write: (line: string) => lines.push(line) });
    logger.info({ config }, 'configuration');
    logger.info({ password: 'cv-password-456', headers: { authorization: 'Bearer api-secret-0123456789' } }, 'raw');
    expect(lines).toHaveLength(2);
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.cv.password), ...lines]) {
      expect(text).not.toMatch(/db-password-123|api-secret-0123456789|cv-password-456/);
    }
    expect(config.database.url?.reveal()).toBe(env.DATABASE_URL);
  });

  it('reveal only on request', () => {
    const secret = new Secret('s3cret');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(`${secret}`).toBe('[redacted]');
    expect(secret.reveal()).toBe('s3cret');
  });
});

describe('Temporal TLS and API key', () => {
  let pki: TestPki;
  const file = (name: string) => path.join(pki.dir, name);
  beforeAll(() => {
    pki = makeTestPki();
    writeFileSync(file('notes.txt'), 'not a certificate\n');
    writeFileSync(file('garbage.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
  });
  afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

  const mtls = (overrides: Record<string, string> = {}) => ({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_TLS_CERT: pki.clientCert,
    TEMPORAL_TLS_KEY: pki.clientKey,
    TEMPORAL_TLS_CA: pki.caCert,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    ...overrides,
  });

  it('reads the PEM files once and builds the SDK options from them', () => {
    const config = loadConfig(mtls());
    const client = config.temporal.tls?.client;
    expect(client?.certFile).toBe(pki.clientCert);
    expect(client?.keyFile).toBe(pki.clientKey);
    expect(client?.key.reveal()).toBe(readFileSync(pki.clientKey, 'utf8'));
    expect(temporalConnectionOptions(config)).toEqual({
      address: 'temporal.internal:7233',
      tls: {
        clientCertPair: { crt: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) },
        serverRootCACertificate: readFileSync(pki.caCert),
        serverNameOverride: 'temporal.test',
      },
    });
  });

  it('wants the certificate and the key together, and the key of that certificate', () => {
    expect(problemsOf(mtls({ TEMPORAL_TLS_KEY: '' }))).toEqual(['TEMPORAL_TLS_KEY']);
    expect(problemsOf(mtls({ TEMPORAL_TLS_CERT: '' }))).toEqual(['TEMPORAL_TLS_CERT']);
    expect(problemsIn(mtls({ TEMPORAL_TLS_KEY: pki.serverKey }))).toEqual([
      {
        variable: 'TEMPORAL_TLS_KEY',
        message: `${pki.serverKey} is not the key of the certificate in TEMPORAL_TLS_CERT`,
      },
    ]);
  });

  it('names the variable whose file is missing, unreadable, not PEM or not what it should hold', () => {
    expect(problemsIn(mtls({ TEMPORAL_TLS_CA: file('missing.crt') }))).toEqual([
      { variable: 'TEMPORAL_TLS_CA', message: `cannot read ${file('missing.crt')}: no such file` },
    ]);
    expect(problemsIn(mtls({ TEMPORAL_TLS_CERT: pki.dir }))).toEqual([
      { variable: 'TEMPORAL_TLS_CERT', message: `cannot read ${pki.dir}: it is a directory` },
    ]);
    expect(problemsIn(mtls({ TEMPORAL_TLS_CA: file('notes.txt') }))[0]).toEqual({
      variable: 'TEMPORAL_TLS_CA',
      message: expect.stringContaining(`${file('notes.txt')} is not a PEM certificate`),
    });
    // Swapped: a key where the certificate goes, and the other way round.
    expect(problemsOf(mtls({ TEMPORAL_TLS_CERT: pki.clientKey, TEMPORAL_TLS_KEY: pki.clientCert })).sort()).toEqual([
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
    ]);
    expect(problemsIn(mtls({ TEMPORAL_TLS_CERT: file('garbage.crt') }))).toEqual([
      { variable: 'TEMPORAL_TLS_CERT', message: `${file('garbage.crt')} holds a PEM certificate that does not parse` },
    ]);
  });

  it('never puts a key in a message', () => {
    const key = readFileSync(pki.clientKey, 'utf8');
    const body = key.split('\n')[1]!;
    for (const env of [mtls({ TEMPORAL_TLS_CERT: pki.clientKey }), mtls({ TEMPORAL_TLS_KEY: pki.serverKey })]) {
      expect(JSON.stringify(problemsIn(env))).not.toContain(body);
    }
  });

  it('needs TEMPORAL_ADDRESS: the local dev server has no TLS', () => {
    expect(problemsIn({ TEMPORAL_API_KEY: 'key', TEMPORAL_TLS_SERVER_NAME: 'temporal.test' })).toEqual([
      {
        variable: 'TEMPORAL_ADDRESS',
        message: 'is required with TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY (the local dev server has no TLS)',
      },
    ]);
    expect(problemsOf(mtls({ TEMPORAL_TLS_SERVER_NAME: 'not a name' }))).toEqual(['TEMPORAL_TLS_SERVER_NAME']);
  });

  it('turns TLS on with the API key alone, or with the CA or server name alone', () => {
    const cloud = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' });
    expect(cloud.temporal.tls).toEqual({ client: undefined, ca: undefined, serverName: undefined });
    const caOnly = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_CA: pki.caCert });
    expect(temporalConnectionOptions(caOnly).tls).toEqual({ serverRootCACertificate: readFileSync(pki.caCert) });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporal.tls).toBeUndefined();
    // What the banner and the start-up log lines say.
    expect(describeTemporalSecurity(cloud)).toBe('TLS, API key');
    expect(describeTemporalSecurity(caOnly)).toBe('TLS');
    expect(describeTemporalSecurity(loadConfig(mtls()))).toBe('mTLS');
    expect(describeTemporalSecurity(loadConfig({}))).toBe('plain');
  });

  it('keeps the API key and the private key out of JSON, inspect and logs', () => {
    const apiKey = 'tcloud-api-key-do-not-log-0123456789';
    const config = loadConfig(mtls({ TEMPORAL_API_KEY: apiKey }));
    const keyBody = readFileSync(pki.clientKey, 'utf8').split('\n')[1]!;
    const lines: string[] = [];
    const logger = createLogger('info', {}, { write: (line: string) => lines.push(line) });
    logger.info({ config }, 'configuration');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), ...lines]) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(keyBody);
    }
    expect(config.temporal.apiKey?.reveal()).toBe(apiKey);
  });
});
