import net from 'node:net';

export interface FaultyProxy {
  /** Where clients connect instead of the real server. */
  readonly port: number;
  /** Cuts every open connection and refuses new ones: the server "goes down". */
  down(): void;
  /** Accepts connections again: the server is back. */
  up(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to a real server (PostgreSQL, an upstream) that a test can take down and bring back,
 * to simulate an outage or a restart for that test alone, without touching the shared server.
 */
export async function startFaultyProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultyProxy> {
  const sockets = new Set<net.Socket>();
  let isDown = false;
  const server = net.createServer((client) => {
    if (isDown) return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    down() {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
