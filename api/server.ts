import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { ApiDeps } from './deps';

export interface RunningApi {
  /** Where the API answers, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/** How long `close()` waits for in-flight requests before cutting their connections. */
const CLOSE_GRACE_MS = 10_000;

/** Serves the API. `options` override API_HOST / API_PORT; port 0 picks a free port (tests). */
export async function startApi(deps: ApiDeps, options: { host?: string; port?: number } = {}): Promise<RunningApi> {
  const host = options.host ?? deps.config.api.host;
  const port = options.port ?? deps.config.api.port;
  const server = createServer(createApp(deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // A wildcard bind answers on loopback too; a URL must name a reachable host.
  const shownHost = ['0.0.0.0', '::'].includes(address.address) ? 'localhost' : address.address;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        // close() waits for in-flight requests. A keep-alive connection that finishes one becomes
        // idle but stays open until its timeout, so idle connections are swept until the end.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close((error) => {
          clearInterval(sweep);
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
