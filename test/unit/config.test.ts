import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { Secret } from '../../lib/secret';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.api.port).toBe(3000);
    expect(config.temporal).toEqual({ address: undefined, namespace: 'default', uiUrl: 'http://localhost:8233' });
    expect(config.database.url).toBeUndefined();
    expect(config.timeZone).toBe('America/Santiago');
    expect(config.worker.taskQueues).toEqual(['metrics', 'cv', 'etl', 'telemetry', 'compliance', 'platform']);
    expect(config.local).toEqual({
      simulatorsPort: 4010,
      bigqueryEmulatorPort: 9050,
      postgresPort: 54329,
      temporalPort: 7233,
      temporalUiPort: 8233,
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
