import { createProviderSimulator } from '../local/simulators/providers';
import { startSimulatorServer } from '../local/simulators/server';

/** The six provider simulators in their own process, so they do not share the measured event loop. */
async function main(): Promise<void> {
  const sim = createProviderSimulator({ seed: 42, devicesPerProvider: Number(process.env.DEVICES_PER_PROVIDER) });
  const server = await startSimulatorServer([sim], 0);
  process.stdout.write(`url ${server.url}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
