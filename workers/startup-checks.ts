import net from 'node:net';

/**
 * What can stop a worker from running, checked before it migrates or applies schedules: a second
 * worker on one host must fail on its metrics port, not after it has touched shared state.
 */
export class WorkerStartupError extends Error {
  override readonly name = 'WorkerStartupError';
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'is already in use (another worker on this host?): give each worker its own WORKER_METRICS_ADDRESS',
  EADDRNOTAVAIL: 'is not an address of this host: set WORKER_METRICS_ADDRESS to one (0.0.0.0:9464 in a container)',
  EACCES: 'is a privileged port: set WORKER_METRICS_ADDRESS to a port above 1023',
  ENOTFOUND: 'names a host that does not resolve: fix WORKER_METRICS_ADDRESS',
};

/** Binds and releases `host:port` once: what the Temporal runtime will bind for Prometheus. */
export async function assertMetricsAddressFree(address: string): Promise<void> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        REASONS[error.code ?? ''] ?? `cannot be bound (${error.code ?? error.message}): fix WORKER_METRICS_ADDRESS`;
      reject(new WorkerStartupError(`WORKER_METRICS_ADDRESS=${address} ${reason}`));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
