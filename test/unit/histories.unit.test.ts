import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RECORDING_TESTS } from '../../scripts/record-test-histories';

/** `npm run histories:record-tests` records every history: its list of test files is whole. */

const root = path.resolve(__dirname, '..', '..');
const source = (file: string) => readFileSync(path.join(root, file), 'utf8');

function testFiles(dir = 'test'): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'histories' ? [] : testFiles(file);
    return file.endsWith('.test.ts') ? [file] : [];
  });
}

describe('the history recording command', () => {
  it('runs existing integration tests', () => {
    expect(
      RECORDING_TESTS.filter((file) => !existsSync(path.join(root, file)) || file.endsWith('.unit.test.ts')),
    ).toEqual([]);
  });

  it('runs every test file that calls recordHistory', () => {
    const integration = testFiles().filter((file) => !file.endsWith('.unit.test.ts'));
    const recording = integration.filter((file) => source(file).includes('recordHistory('));
    expect(recording.length).toBeGreaterThan(5);
    expect(recording.filter((file) => !RECORDING_TESTS.includes(file))).toEqual([]);
  });

  it('runs, for every recorded history, a test that names it', () => {
    const histories = readdirSync(path.join(root, 'test', 'histories'))
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.replace(/\.json$/, ''));
    expect(histories.length).toBeGreaterThan(5);
    const named = (name: string) => RECORDING_TESTS.some((file) => source(file).includes(`'${name}'`));
    expect(histories.filter((name) => !named(name))).toEqual([]);
  });
});
