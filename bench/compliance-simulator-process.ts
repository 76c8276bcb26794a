import { createDgaSimulator } from '../local/simulators/dga';
import { startSimulatorServer } from '../local/simulators/server';

/** The DGA simulator in its own process, so its answers do not share the measured event loop. */
async function main(): Promise<void> {
  const dga = createDgaSimulator({
    seed: 7,
    backlogSpacingMs: Number(process.env.SPACING_MS),
    retryEveryMs: Number(process.env.RETRY_EVERY_MS),
    latencyMs: Number(process.env.LATENCY_MS ?? 0),
  });
  const server = await startSimulatorServer([dga], 0);
  process.stdout.write(`url ${server.url}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
