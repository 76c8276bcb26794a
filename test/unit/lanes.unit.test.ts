import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A test's lane is its name (jest.config.js): `*.unit.test.ts` runs without the global setup, every
 * other `*.test.ts` with PostgreSQL, Temporal and the emulator. This keeps the name honest both ways:
 * a unit test that reaches a server fails here (it would fail anyway, later, with "run the tests with
 * npm test"), and so does a test that needs none but is not named to run in the fast lane.
 */

const root = path.resolve(__dirname, '..', '..');

/** What reaches the shared servers: the harness that hands them out, and their clients. */
const SERVER_MODULES = [
  'test/harness/context',
  'test/harness/env',
  'test/harness/global-setup',
  'test/harness/temporal-server',
  'test/harness/worker-process',
  'lib/db',
  'lib/migrate',
  'pg',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
];

/** Integration tests that start a server of their own, in a child process, without the harness. */
const OWN_SERVERS: Record<string, string> = {
  'test/local/postgres-private-dir.test.ts': 'runs the embedded PostgreSQL as the postgres user',
};

type Read = (file: string) => string | undefined;
const readFromDisk: Read = (file) => {
  const absolute = path.join(root, file);
  return existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
};

/** The modules a source imports for their values (`import type` erases, so it reaches nothing). */
function importsOf(source: string): string[] {
  const statics = source.matchAll(/^(?:import|export)\s+(?!type\s)[\w$*{},\s]*?\bfrom\s+'([^']+)'/gm);
  const bare = source.matchAll(/^import\s+'([^']+)'/gm);
  const dynamic = source.matchAll(/\b(?:require|import|jest\.mock)\(\s*'([^']+)'/g);
  return [...statics, ...bare, ...dynamic].map((match) => match[1]!);
}

/** The server modules `file` reaches, directly or through the test helpers (under test/) it imports. */
function serverModulesReached(file: string, read: Read = readFromDisk, seen = new Set<string>()): string[] {
  const source = read(file);
  if (source === undefined || seen.has(file)) return [];
  seen.add(file);
  const reached: string[] = [];
  for (const specifier of importsOf(source)) {
    const target = specifier.startsWith('.')
      ? path.posix.join(path.posix.dirname(file), specifier).replace(/\.ts$/, '')
      : specifier;
    if (SERVER_MODULES.includes(target)) reached.push(target);
    else if (target.startsWith('test/'))
      for (const helper of [`${target}.ts`, `${target}/index.ts`])
        reached.push(...serverModulesReached(helper, read, seen));
  }
  return [...new Set(reached)];
}

function testFiles(dir = 'test'): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'histories' ? [] : testFiles(file);
    return file.endsWith('.test.ts') ? [file] : [];
  });
}

describe('the two test lanes', () => {
  const files = testFiles();
  const unit = files.filter((file) => file.endsWith('.unit.test.ts'));
  const integration = files.filter((file) => !file.endsWith('.unit.test.ts'));

  it('finds both lanes populated', () => {
    expect(unit.length).toBeGreaterThan(10);
    expect(integration.length).toBeGreaterThan(10);
  });

  it('runs no unit test that reaches a server', () => {
    const offenders = unit.map((file) => ({ file, reaches: serverModulesReached(file) }));
    expect(offenders.filter(({ reaches }) => reaches.length)).toEqual([]);
  });

  it('names every test that needs no server *.unit.test.ts', () => {
    const misnamed = integration.filter((file) => !(file in OWN_SERVERS) && !serverModulesReached(file).length);
    expect(misnamed).toEqual([]);
  });

  it('lists only existing tests as starting their own servers', () => {
    expect(Object.keys(OWN_SERVERS).filter((file) => !files.includes(file))).toEqual([]);
  });

  it('sees a server behind a test helper, and not behind an `import type`', () => {
    const sources: Record<string, string> = {
      'test/x/a.unit.test.ts': "import { startX } from './harness';\n",
      'test/x/harness.ts': "import {\n  createTestContext,\n  type TestContext,\n} from '../harness/context';\n",
      'test/x/b.unit.test.ts': "import type { TestContext } from '../harness/context';\nimport pg from 'pg';\n",
      'test/x/c.unit.test.ts': "import { planSlots } from '../../lib/compliance/planner';\n",
    };
    const read: Read = (file) => sources[file];
    expect(serverModulesReached('test/x/a.unit.test.ts', read)).toEqual(['test/harness/context']);
    expect(serverModulesReached('test/x/b.unit.test.ts', read)).toEqual(['pg']);
    expect(serverModulesReached('test/x/c.unit.test.ts', read)).toEqual([]);
  });
});
