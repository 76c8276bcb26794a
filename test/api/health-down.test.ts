import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { HEALTH_CHECK_TIMEOUT_MS } from '../../api/health/checks';
import { createDatabase, type Database } from '../../lib/db';
import { Secret } from '../../lib/secret';
import { platformSchedules } from '../../schedules/platform';
import { createTestContext, type TestContext } from '../harness/context';
import { startTestApi, type TestApi } from './api-client';

/**
 * Real hung dependencies: a TCP server that accepts connections and never answers, standing in
 * for both Temporal (gRPC) and PostgreSQL.
 */
let ctx: TestContext;
let blackhole: net.Server;
const sockets = new Set<net.Socket>();
let client: Client;
let db: Database;
let api: TestApi;

beforeAll(async () => {
  ctx = await createTestContext();
  blackhole = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const { port } = blackhole.address() as net.AddressInfo;
  client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
  db = createDatabase({ url: new Secret(`postgres://nobody:nothing@127.0.0.1:${port}/none`) });
  api = await startTestApi(ctx, { client, db, schedules: platformSchedules({ timeZone: 'UTC' }) });
});

afterAll(async () => {
  await api?.close();
  // Cut the hung connections so the pool and the gRPC channel give up at once.
  for (const socket of sockets) socket.destroy();
  blackhole?.close();
  await db?.close();
  await client?.connection.close();
  await ctx?.close();
});

describe('GET /health with hung dependencies', () => {
  it('answers 503 down once its checks reach their deadline, instead of hanging on them', async () => {
    const started = Date.now();
    const response = await api.get('/health', null);
    // A bound far above the checks' 2 s on any machine, far below a hung connection (which never ends).
    expect(Date.now() - started).toBeLessThan(30_000);
    // What happened, not how fast: each hung check gave up at its deadline.
    for (const check of ['database', 'temporal'])
      expect(response.json.checks[check].latencyMs).toBeGreaterThanOrEqual(HEALTH_CHECK_TIMEOUT_MS - 5);
    expect(response.status).toBe(503);
    expect(response.json).toMatchObject({
      status: 'down',
      checks: {
        database: { status: 'down' },
        temporal: { status: 'down' },
        schedules: { status: 'down', canary: 'unknown', lastCanaryAt: null },
      },
      components: { scheduler: 'stopped', batch_jobs: 0 },
    });
  });
});

describe('close()', () => {
  it('stops accepting connections but lets the request in flight finish', async () => {
    // The request is in flight once its database check has begun (it then waits its 2 s on the hung one).
    let pinged!: () => void;
    const checking = new Promise<void>((resolve) => (pinged = resolve));
    const watched: Database = { ...db, ping: (timeoutMs) => (pinged(), db.ping(timeoutMs)) };
    const separate = await startTestApi(ctx, { client, db: watched });
    const inFlight = separate.get('/health', null);
    await checking;
    const closed = separate.close();
    await expect(fetch(`${separate.url}/health`)).rejects.toThrow();
    expect((await inFlight).status).toBe(503);
    await closed;
  });
});
