import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { TestPki } from './pki';

export interface MtlsProxy {
  /** `127.0.0.1:<port>`: where clients connect instead of the dev server. */
  readonly address: string;
  /** The subject CN of each client certificate the proxy accepted, in order. */
  readonly acceptedClients: string[];
  /** How many handshakes the proxy refused (no certificate, a stranger's, a bad name on the client side). */
  readonly refusedHandshakes: () => number;
  close(): Promise<void>;
}

/**
 * What an mTLS cluster looks like to a client: TLS with the test CA's server certificate, a client
 * certificate signed by that CA required, ALPN `h2`; behind it, plain TCP to the dev server (the
 * gRPC inside is h2 either way).
 */
export async function startMtlsProxy(pki: TestPki, targetAddress: string): Promise<MtlsProxy> {
  const [targetHost, targetPort] = targetAddress.split(':') as [string, string];
  const sockets = new Set<net.Socket>();
  const acceptedClients: string[] = [];
  let refused = 0;
  const server = tls.createServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      acceptedClients.push(String(client.getPeerCertificate().subject.CN));
      const upstream = net.connect(Number(targetPort), targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => refused++);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    acceptedClients,
    refusedHandshakes: () => refused,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
