import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Simulator } from './index';

export interface RunningSimulators {
  url: string;
  close(): Promise<void>;
}

/** Serves every simulator on one port, loopback only. */
export async function startSimulatorServer(simulators: readonly Simulator[], port: number): Promise<RunningSimulators> {
  const app = express();
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', simulators: simulators.map(({ path, description }) => ({ path, description })) });
  });
  for (const simulator of simulators) app.use(simulator.path, simulator.router);
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
