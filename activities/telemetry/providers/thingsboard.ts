import { z } from 'zod';
import { BadCredentialsError, MissingConfigurationError } from '../../../lib/errors';
import { requestJson, ProviderTransientError, type HttpOptions } from './http';
import { sinceOf, type FetchRequest, type FetchResult, type ProviderAdapter } from './types';

/**
 * ThingsBoard-style providers (TData, Twin): a JWT from `/tdata/v1/login`, reused until its `exp`
 * (shared by every point of the same account on this worker) and renewed once on a `401`;
 * timeseries per key, newest first, paged backwards by `endTs`.
 */
const CredentialsSchema = z.object({ baseUrl: z.url(), username: z.string().min(1), password: z.string().min(1) });
type Credentials = z.infer<typeof CredentialsSchema>;

const TimeseriesSchema = z.record(z.string(), z.array(z.object({ ts: z.number(), value: z.unknown() })));

export interface TokenCache {
  get(key: string): { token: string; expMs: number } | undefined;
  set(key: string, value: { token: string; expMs: number }): void;
  delete(key: string): void;
}

/** The `exp` claim of a JWT (ms), or an hour from now when it has none. */
export function expiryOf(token: string, now = Date.now()): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    if (typeof payload.exp === 'number') return payload.exp * 1000;
  } catch {
    // Not a JWT: fall through.
  }
  return now + 3_600_000;
}

export function createThingsBoardAdapter(tokens: TokenCache, pageSize = 1000): ProviderAdapter {
  async function login(credentials: Credentials, http: HttpOptions): Promise<string> {
    const key = `${credentials.baseUrl}|${credentials.username}`;
    const cached = tokens.get(key);
    // A minute of margin, so a token does not expire between check and use.
    if (cached && cached.expMs - 60_000 > Date.now()) return cached.token;
    const answer = await requestJson(
      `${credentials.baseUrl.replace(/\/$/, '')}/tdata/v1/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: credentials.username, password: credentials.password }),
      },
      http,
    );
    if (answer.status === 'unauthorized') throw new BadCredentialsError('the provider refused the login');
    const token = (answer.body as { token?: unknown }).token;
    if (typeof token !== 'string') throw new ProviderTransientError('login answered without a token');
    tokens.set(key, { token, expMs: expiryOf(token) });
    return token;
  }

  return {
    async fetchReadings(request: FetchRequest, rawCredentials: unknown, http: HttpOptions): Promise<FetchResult> {
      const parsed = CredentialsSchema.safeParse(rawCredentials);
      if (!parsed.success) throw new MissingConfigurationError('credentials need baseUrl, username and password');
      const credentials = parsed.data;
      const base = credentials.baseUrl.replace(/\/$/, '');
      const result: FetchResult = { readings: [], sentinels: 0, calls: 0 };
      for (const variable of request.variables) {
        const startTs = sinceOf(request, variable) + 1;
        let endTs = request.until.getTime();
        while (endTs >= startTs) {
          const url = `${base}/tdata/v1/telemetry/DEVICE/${encodeURIComponent(request.deviceId)}/values/timeseries?keys=${variable}&startTs=${startTs}&endTs=${endTs}&limit=${pageSize}`;
          let answer;
          for (let renewed = 0; ; renewed++) {
            const token = await login(credentials, http);
            result.calls += 1;
            answer = await requestJson(url, { headers: { authorization: `Bearer ${token}` } }, http);
            if (answer.status === 'ok') break;
            tokens.delete(`${credentials.baseUrl}|${credentials.username}`);
            if (renewed >= 1) throw new BadCredentialsError('the provider refused a fresh token');
          }
          const page = TimeseriesSchema.safeParse(answer.body);
          if (!page.success) throw new ProviderTransientError('timeseries answer is not { key: [{ts, value}] }');
          const values = page.data[variable] ?? [];
          for (const item of values) {
            const value = Number(item.value);
            if (item.value === null || item.value === '' || !Number.isFinite(value)) continue;
            result.readings.push({ variable, value, measuredAt: new Date(item.ts).toISOString(), raw: item });
          }
          if (values.length < pageSize) break;
          endTs = Math.min(...values.map((item) => item.ts)) - 1;
        }
      }
      return result;
    },
  };
}
