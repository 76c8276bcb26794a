import { createSmaClient } from '../../activities/compliance/sma-client';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { createSmaSimulator, SMA_DEMO_CREDENTIALS, type SmaSimulator } from '../../local/simulators/sma';
import { smaItem, smaStamp } from './sim-client';

/**
 * The sender's parallel lanes share one SMA login per credentials while it is in
 * flight (they logged in four times in a second for two credentials), and a token the SMA refuses
 * is renewed once for all of them. Counted at the SMA simulator, over HTTP.
 */
const H = 3_600_000;
let sma: SmaSimulator;
let server: RunningSimulators;
let device: { baseUrl: string; ufId: string; procesoId: string };

beforeAll(async () => {
  // A slow login, so every lane asks for a token while the first login is still in flight.
  sma = createSmaSimulator({ seed: 3, latencyMs: 300 });
  server = await startSimulatorServer([sma], 0);
  device = { baseUrl: `${server.url}/sma`, ufId: '3451', procesoId: '8021' };
});
afterAll(() => server?.close());

const lanes = (
  client: ReturnType<typeof createSmaClient>,
  credentials: { usuario: string; password: string },
  hours: number[],
) =>
  Promise.all(
    hours.map((back) =>
      client.submit(
        device,
        credentials,
        [smaItem('12180', smaStamp(Math.floor(Date.now() / H) * H - back * H))],
        10_000,
      ),
    ),
  );

describe('SMA logins under parallel lanes', () => {
  it('one login for four lanes, and one renewal when the SMA refuses their token', async () => {
    const client = createSmaClient();
    const first = await lanes(client, SMA_DEMO_CREDENTIALS, [1, 2, 3, 4]);
    expect(first.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect(sma.tokensIssued()).toBe(1);

    // Every lane's next call gets a 401: they renew the refused token together, once.
    sma.expireTokens();
    const second = await lanes(client, SMA_DEMO_CREDENTIALS, [5, 6, 7, 8]);
    expect(second.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect(sma.tokensIssued()).toBe(2);
    expect(sma.requests().filter((r) => r.outcome === 'unauthorized')).toHaveLength(4);
    expect(client.tokensObtained).toBe(2);

    // Other credentials log in on their own (here refused: the answer of each lane, nothing sent).
    const refused = await lanes(client, { ...SMA_DEMO_CREDENTIALS, password: 'rotated-password' }, [9, 10, 11, 12]);
    expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    expect(sma.records()).toHaveLength(8);
  });
});
