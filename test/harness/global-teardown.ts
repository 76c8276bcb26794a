/** Stops what the global setup started, newest first. */
export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>).__PIPELINES_TEST_STOPS__ ?? []) as (() => Promise<unknown>)[];
  for (const stop of stops.reverse()) await stop();
}
