import { createHash } from 'node:crypto';
import type { RegulatorAnswer } from '../../lib/compliance/answers';
import type { SmaCredentials } from './credentials';
import { endpoint } from './dga-client';
import { exchange } from './http';

/**
 * The SMA REST API. Its token (valid 24 h) is cached in this worker process per
 * credentials, until 10 minutes before it expires, and renewed once on a 401; one login per
 * credentials is in flight at a time, shared by the lanes that wait for it. It never leaves the
 * process: not in a result, a heartbeat, a table or a log.
 */
const TOKEN_TTL_MS = 24 * 3_600_000;
const TOKEN_MARGIN_MS = 10 * 60_000;

export interface SmaDevice {
  baseUrl: string;
  ufId: string;
  procesoId: string;
}

export interface SmaClient {
  submit(device: SmaDevice, credentials: SmaCredentials, payload: unknown, timeoutMs: number): Promise<RegulatorAnswer>;
  /** How many tokens this process obtained (for tests). */
  readonly tokensObtained: number;
}

type Login = { ok: true; token: string } | { ok: false; answer: RegulatorAnswer };

export function createSmaClient(now: () => Date = () => new Date()): SmaClient {
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  // One login per credentials at a time: parallel lanes that need a token wait for the one in flight.
  const logins = new Map<string, Promise<Login>>();
  let obtained = 0;
  // Keyed by who logs in, so rotated credentials get a token of their own.
  const keyOf = (baseUrl: string, c: SmaCredentials) =>
    createHash('sha256').update(`${baseUrl}\n${c.usuario}\n${c.password}`).digest('hex');

  async function login(key: string, baseUrl: string, c: SmaCredentials, timeoutMs: number): Promise<Login> {
    const answer = await exchange(
      endpoint(baseUrl, '/api/v1/auth').toString(),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ usuario: c.usuario, password: c.password }),
      },
      timeoutMs,
    );
    const value = answer.status !== 'none' ? (answer.body as { token?: unknown } | null)?.token : undefined;
    if (answer.status === 'none' || answer.status >= 300 || typeof value !== 'string') return { ok: false, answer };
    obtained += 1;
    tokens.set(key, { token: value, expiresAt: now().getTime() + TOKEN_TTL_MS - TOKEN_MARGIN_MS });
    return { ok: true, token: value };
  }

  /**
   * The cached token, unless it expired or is `refused` (it got a 401): then a login, shared with
   * every lane asking meanwhile. Lanes refused the same token renew it once, not once each.
   */
  function token(baseUrl: string, c: SmaCredentials, timeoutMs: number, refused?: string): Promise<Login> {
    const key = keyOf(baseUrl, c);
    const cached = tokens.get(key);
    if (cached && cached.token !== refused && cached.expiresAt > now().getTime())
      return Promise.resolve({ ok: true, token: cached.token });
    if (cached) tokens.delete(key);
    let pending = logins.get(key);
    if (!pending) {
      pending = login(key, baseUrl, c, timeoutMs).finally(() => logins.delete(key));
      logins.set(key, pending);
    }
    return pending;
  }

  return {
    get tokensObtained() {
      return obtained;
    },
    async submit(device, credentials, payload, timeoutMs) {
      const url = endpoint(
        device.baseUrl,
        `/api/v1/ufs/${encodeURIComponent(device.ufId)}/procesos/${encodeURIComponent(device.procesoId)}/registros`,
      ).toString();
      let refused: string | undefined;
      for (const renew of [false, true]) {
        const auth = await token(device.baseUrl, credentials, timeoutMs, refused);
        // A refused login is the answer: nothing was sent.
        if (!auth.ok) return auth.answer;
        refused = auth.token;
        const answer = await exchange(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` },
            body: JSON.stringify(payload),
          },
          timeoutMs,
        );
        // 401: the token expired early (or the SMA forgot it): one fresh login, one more try.
        if (answer.status !== 401 || renew) return answer;
      }
      throw new Error('unreachable');
    },
  };
}
