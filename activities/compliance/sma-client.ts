import { createHash } from 'node:crypto';
import type { RegulatorAnswer } from '../../lib/compliance/answers';
import type { SmaCredentials } from './credentials';
import { endpoint } from './dga-client';
import { exchange } from './http';

/**
 * The SMA REST API (contracts/sma.md). Its token (valid 24 h) is cached in this worker process per
 * credentials, until 10 minutes before it expires, and renewed once on a 401. It never leaves the
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

export function createSmaClient(now: () => Date = () => new Date()): SmaClient {
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  let obtained = 0;
  // Keyed by who logs in, so rotated credentials get a token of their own.
  const keyOf = (baseUrl: string, c: SmaCredentials) =>
    createHash('sha256').update(`${baseUrl}\n${c.usuario}\n${c.password}`).digest('hex');

  async function token(baseUrl: string, c: SmaCredentials, timeoutMs: number, renew: boolean) {
    const key = keyOf(baseUrl, c);
    const cached = tokens.get(key);
    if (!renew && cached && cached.expiresAt > now().getTime()) return { ok: true as const, token: cached.token };
    tokens.delete(key);
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
    if (answer.status === 'none' || answer.status >= 300 || typeof value !== 'string')
      return { ok: false as const, answer };
    obtained += 1;
    tokens.set(key, { token: value, expiresAt: now().getTime() + TOKEN_TTL_MS - TOKEN_MARGIN_MS });
    return { ok: true as const, token: value };
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
      for (const renew of [false, true]) {
        const auth = await token(device.baseUrl, credentials, timeoutMs, renew);
        // A refused login is the answer: nothing was sent.
        if (!auth.ok) return auth.answer;
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
