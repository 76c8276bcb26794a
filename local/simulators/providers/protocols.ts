import type { Request, Response, Router } from 'express';
import { PROVIDER_DEMO_LOGIN, providerUsername, type ProtocolContext, type ServedReading } from './types';

/** The three wire protocols the providers speak, over a provider's simulated devices. */

const VARIABLES = ['flow', 'total', 'level'] as const;
type Key = (typeof VARIABLES)[number];
const isKey = (value: unknown): value is Key =>
  typeof value === 'string' && (VARIABLES as readonly string[]).includes(value);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const integer = (value: unknown, fallback: number) =>
  value === undefined ? fallback : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
const newestFirst = (readings: ServedReading[]) => [...readings].reverse();

/** ThingsBoard-style (TData, Twin): JWT login reused until `exp`, timeseries per key, values as strings. */
export function mountThingsBoard(router: Router, ctx: ProtocolContext): void {
  const tokens = new Map<string, number>();
  router.post('/tdata/v1/login', (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (body.username !== providerUsername(ctx.provider) || body.password !== PROVIDER_DEMO_LOGIN.password) {
      ctx.stats.unauthorized += 1;
      res.status(401).json({ status: 401, message: 'Invalid username or password', errorCode: 10 });
      return;
    }
    ctx.stats.logins += 1;
    const exp = Math.floor((Date.now() + ctx.tokenTtlMs) / 1000);
    const token = `${base64url({ alg: 'HS256' })}.${base64url({ sub: body.username, exp, n: ctx.stats.logins })}.sim`;
    tokens.set(token, exp * 1000);
    res.json({ token });
  });
  router.get('/tdata/v1/telemetry/DEVICE/:deviceToken/values/timeseries', async (req, res) => {
    const call = ++ctx.stats.dataCalls;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    const every = ctx.faults().expireTokenEveryCalls;
    if (expiresAt === undefined || expiresAt < Date.now() || (every !== undefined && call % every === 0)) {
      if (token) tokens.delete(token);
      ctx.stats.unauthorized += 1;
      res.status(401).json({ status: 401, message: 'Token has expired', errorCode: 11 });
      return;
    }
    if (await ctx.fault(req, res, call)) return;
    const device = ctx.deviceById(req.params.deviceToken ?? '');
    if (!device) {
      res.status(404).json({ status: 404, message: 'Device not found', errorCode: 32 });
      return;
    }
    const keys = String(req.query.keys ?? '').split(',');
    const startTs = integer(req.query.startTs, NaN);
    const endTs = integer(req.query.endTs, NaN);
    const limit = integer(req.query.limit, 100);
    if (!keys.every(isKey) || Number.isNaN(startTs) || Number.isNaN(endTs) || !(limit >= 1 && limit <= 1000)) {
      res.status(400).json({ status: 400, message: 'keys, startTs, endTs required; limit 1..1000', errorCode: 31 });
      return;
    }
    const body: Record<string, { ts: number; value: string }[]> = {};
    for (const key of keys) {
      const values = newestFirst(ctx.served(device, startTs, endTs, [key])).slice(0, limit);
      if (values.length > 0) body[key] = values.map((r) => ({ ts: Date.parse(r.measuredAt), value: String(r.value) }));
    }
    ctx.send(res, call, body);
  });
}

/** `YYYYMMDDHHmmss` in UTC. */
export function parseCompactDate(value: unknown): number {
  const match = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** thethings.io-style (ThingsIO, Nettra, Novus): the thing token in the path, one resource per call, newest first. */
export function mountTheThingsIo(router: Router, ctx: ProtocolContext): void {
  router.get('/v2/things/:thingToken/resources/:key', async (req, res) => {
    const call = ++ctx.stats.dataCalls;
    const device = ctx.deviceByToken(req.params.thingToken ?? '');
    if (!device) {
      ctx.stats.unauthorized += 1;
      res.status(401).json({ status: 'error', code: 401, message: 'Invalid session token' });
      return;
    }
    if (await ctx.fault(req, res, call)) return;
    const key = req.params.key;
    const limit = integer(req.query.limit, 1);
    const start = req.query.startDate === undefined ? 0 : parseCompactDate(req.query.startDate);
    const end = req.query.endDate === undefined ? Date.now() : parseCompactDate(req.query.endDate);
    if (!isKey(key) || !(limit >= 1 && limit <= 100) || Number.isNaN(start) || Number.isNaN(end)) {
      res.status(400).json({ status: 'error', code: 400, message: 'limit 1..100, dates YYYYMMDDHHmmss' });
      return;
    }
    const values = newestFirst(ctx.served(device, start, end, [key])).slice(0, limit);
    ctx.send(
      res,
      call,
      values.map((r) => ({ value: r.value, datetime: r.measuredAt })),
    );
  });
}

const TAGO_UNITS: Record<Key, string> = { flow: 'l/s', total: 'm3', level: 'm' };

/** TagoIO (Tago): device token in `Authorization`, several variables, `qty`/`skip` pages, newest first. */
export function mountTago(router: Router, ctx: ProtocolContext): void {
  router.get('/data', async (req: Request, res: Response) => {
    const call = ++ctx.stats.dataCalls;
    const device = ctx.deviceByToken(req.headers.authorization ?? '');
    if (!device) {
      ctx.stats.unauthorized += 1;
      res.status(401).json({ status: false, message: 'Authorization denied' });
      return;
    }
    if (await ctx.fault(req, res, call)) return;
    const raw = req.query.variable;
    const variables = (Array.isArray(raw) ? raw : raw === undefined ? [...VARIABLES] : [raw]) as unknown[];
    const start = req.query.start_date === undefined ? 0 : Date.parse(String(req.query.start_date));
    const end = req.query.end_date === undefined ? Date.now() : Date.parse(String(req.query.end_date));
    const qty = integer(req.query.qty, 15);
    const skip = integer(req.query.skip, 0);
    if (
      !variables.every(isKey) ||
      Number.isNaN(start) ||
      Number.isNaN(end) ||
      !(qty >= 1 && qty <= 10_000) ||
      !(skip >= 0)
    ) {
      res.status(400).json({ status: false, message: 'variable, start_date, end_date (ISO), qty 1..10000, skip >= 0' });
      return;
    }
    const page = newestFirst(ctx.served(device, start, end, variables)).slice(skip, skip + qty);
    const unitOf = (variable: Key) =>
      variable === 'flow' && device.profile === 'wrong-unit' ? 'm3/h' : TAGO_UNITS[variable];
    ctx.send(res, call, {
      status: true,
      result: page.map((r) => ({
        id: `${device.token}-${r.variable}-${Date.parse(r.measuredAt)}`,
        variable: r.variable,
        value: r.value,
        unit: unitOf(r.variable),
        time: r.measuredAt,
      })),
    });
  });
}
