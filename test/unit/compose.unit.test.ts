import { readFileSync } from 'node:fs';
import path from 'node:path';
import { minVersion, satisfies } from 'semver';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../lib/config';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../lib/search-attributes';

/**
 * docker-compose.yml and .env.example are checked against lib/config.ts, so a renamed or
 * misspelt variable fails here instead of being silently ignored by a deployed process.
 */

const ROOT = path.resolve(__dirname, '..', '..');
/** What an operator would export for the `${VAR:?…}` variables the stack insists on. */
const REQUIRED_SAMPLES: Record<string, string> = { API_KEYS: 'ops:operator:0123456789abcdef0123' };

interface Service {
  image?: string;
  build?: unknown;
  command?: unknown;
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
}

// Compose merges `<<` keys (YAML 1.1); the yaml package only does so when asked.
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Compose's interpolation: `${X}`, `${X:-default}`, `${X-default}`, `${X:?error}`, `${X?error}`, `$$`. */
const INTERPOLATION = /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g;

function interpolate(value: string): string {
  return value.replace(INTERPOLATION, (match, name?: string, operator?: string, arg?: string) => {
    if (match === '$$') return '$';
    if (!operator?.endsWith('?')) return arg ?? '';
    const sample = REQUIRED_SAMPLES[name!];
    if (sample === undefined) throw new Error(`no sample value for required variable ${name}`);
    return sample;
  });
}

/** A service's environment as its process sees it on a host that exports only the required variables. */
function environmentOf(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => {
        const [key, ...value] = line.split('=');
        return [key, value.join('=')];
      })
    : Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key!, interpolate(value!)]));
}

/** `[host:]published:target[/protocol]` or the long form, as `{host, published, target}` (host: all if unset). */
function portsOf(name: string): { host: string; published: number | undefined; target: number }[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') {
      const published = port.published === undefined ? undefined : Number(port.published);
      return { host: (port as { host_ip?: string }).host_ip ?? '0.0.0.0', published, target: port.target };
    }
    const parts = interpolate(String(port)).split('/')[0]!.split(':');
    const target = Number(parts.at(-1));
    const host = parts.length > 2 ? parts.slice(0, -2).join(':') : '0.0.0.0';
    return { host, published: parts.length > 1 ? Number(parts.at(-2)) : undefined, target };
  });
}

function hostOf(address: string): string {
  return address.includes('://') ? new URL(address).hostname : address.split(':')[0]!;
}

const APP_SERVICES = ['worker', 'api'] as const;

describe('docker-compose.yml', () => {
  it.each(APP_SERVICES)('%s sets only variables that lib/config.ts reads', (name) => {
    const unknown = Object.keys(environmentOf(name)).filter((variable) => !CONFIG_VARIABLES.includes(variable));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)('%s environment passes loadConfig', (name) => {
    expect(() => loadConfig(environmentOf(name))).not.toThrow();
  });

  it('the worker and the API run the same image', () => {
    const worker = service('worker');
    const api = service('api');
    expect(worker.build ?? worker.image).toBeDefined();
    expect(api.build).toEqual(worker.build);
    expect(api.image).toEqual(worker.image);
    if (worker.build !== undefined) expect(['.', { context: '.' }]).toContainEqual(worker.build);
    expect(api.command).toEqual(['node', 'dist/api/main.js']);
  });

  it("the API publishes the port it listens on (API_PORT, default 3000) and reports Temporal's UI on 8233", () => {
    const config = loadConfig(environmentOf('api'));
    expect(portsOf('api').map((port) => port.target)).toEqual([config.api.port]);
    expect(portsOf('temporal-ui').map((port) => port.published)).toContain(8233);
    expect(new URL(config.temporal.uiUrl).port).toBe('8233');
  });

  it.each(APP_SERVICES)('%s reaches the application database on app-db and Temporal on temporal', (name) => {
    const config = loadConfig(environmentOf(name));
    expect(hostOf(config.database.url!.reveal())).toBe('app-db');
    expect(hostOf(config.temporal.address!)).toBe('temporal');
    expect(services['app-db']?.image).toMatch(/^timescale\/timescaledb:/);
    expect(services.temporal).toBeDefined();
  });

  it('the UI talks to the temporal service', () => {
    expect(hostOf(environmentOf('temporal-ui').TEMPORAL_ADDRESS ?? '')).toBe('temporal');
  });

  it('the UI is published on loopback only by default (it has no login), with a health check', () => {
    const ui = service('temporal-ui');
    expect(portsOf('temporal-ui').map((port) => port.host)).toEqual(['127.0.0.1']);
    // The UI server answers /healthz on TEMPORAL_UI_PORT (8080 unless set).
    const uiPort = environmentOf('temporal-ui').TEMPORAL_UI_PORT ?? '8080';
    expect(portsOf('temporal-ui').map((port) => port.target)).toEqual([Number(uiPort)]);
    expect(JSON.stringify(ui.healthcheck?.test)).toContain(`127.0.0.1:${uiPort}/healthz`);
    expect(ui.healthcheck?.disable).not.toBe(true);
  });

  it('every dependency exists, and those awaited as healthy have a health check', () => {
    const problems: string[] = [];
    for (const [name, { depends_on: dependsOn }] of Object.entries(services)) {
      const conditions = Array.isArray(dependsOn)
        ? dependsOn.map((dependency) => [dependency, 'service_started'] as const)
        : Object.entries(dependsOn ?? {}).map(([dependency, options]) => [dependency, options.condition] as const);
      for (const [dependency, condition] of conditions) {
        const target = services[dependency];
        if (!target) problems.push(`${name} depends on missing service ${dependency}`);
        else if (condition === 'service_healthy' && (!target.healthcheck?.test || target.healthcheck.disable)) {
          problems.push(`${name} waits for ${dependency} to be healthy, but it has no health check`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the worker and the API have health checks, the worker on its metrics port', () => {
    expect(JSON.stringify(service('api').healthcheck?.test)).toContain('/health');
    const metricsPort = loadConfig(environmentOf('worker')).worker.metricsAddress.split(':')[1];
    expect(JSON.stringify(service('worker').healthcheck?.test)).toContain(`:${metricsPort}/`);
  });

  it('creates every search attribute the workflows set, as Keyword', () => {
    const script = JSON.stringify(service('temporal-admin-tools').command);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS)) {
      expect(script).toMatch(new RegExp(`\\b${name}\\b`));
      expect(type).toBe('Keyword');
    }
    expect(script).toContain('--type Keyword');
  });
});

describe('.env.example', () => {
  it('lists exactly the variables lib/config.ts reads, each once', () => {
    const listed = readFileSync(path.join(ROOT, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^(?:#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect([...listed].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});

/**
 * The Node the image runs and the one package.json (and the README) name accept every installed
 * package's `engines`, so `npm ci` prints no engine warning there.
 */
describe('Node version', () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const engines = Object.entries(lock.packages)
    .map(([name, info]) => [name || 'durable-pipelines', Array.isArray(info.engines) ? undefined : info.engines?.node])
    .filter((entry): entry is [string, string] => entry[1] !== undefined);
  const refusing = (version: string) =>
    engines.filter(([, range]) => !satisfies(version, range)).map(([name, range]) => `${name} (${range})`);

  it('the Dockerfile uses one Node image, which every package accepts', () => {
    const images = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)[-\w.]*/gm)];
    const majors = new Set(images.map((match) => match[1]));
    expect(majors.size).toBe(1);
    expect(refusing(`${[...majors][0]}.0.0`)).toEqual([]);
  });

  it("package.json's minimum, the one the README names, is accepted by every package", () => {
    const range = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    const minimum = minVersion(range)!.version;
    expect(refusing(minimum)).toEqual([]);
    const named = minimum.replace(/\.0$/, '');
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(`Node ≥ ${named}`);
  });
});
