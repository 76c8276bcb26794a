import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it gives a value (not `undefined` or `false`): the readiness signal a test
 * waits on instead of a sleep. `timeoutMs` bounds a test that would otherwise hang; it is not an
 * expectation of speed, so keep it generous.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
