import { createCvSimulator } from '../local/simulators/cv';
import { startSimulatorServer } from '../local/simulators/server';

/** The CV simulator in its own process (so it does not share a core's event loop with what is measured). */
async function main(): Promise<void> {
  const volume = Number(process.env.VOLUME);
  const sim = createCvSimulator({ seed: 42, volume, spanDays: 365, endMs: Date.UTC(2026, 10, 22, 12) });
  const server = await startSimulatorServer([sim], 0);
  process.stdout.write(`url ${server.url}/cv\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
