import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Config } from '../../lib/config';
import type { Authenticate, Principal } from './auth';
import { HttpProblem } from './problem';

/**
 * Rate limits, so one client cannot starve the others: `perKey` requests per window for each API
 * key, `perAddress` for each client address without a valid key (public routes, and every 401:
 * guessing keys is limited too). Over the limit: `429` problem+json with `Retry-After`; every
 * answer carries the IETF `RateLimit` and `RateLimit-Policy` headers (draft 8). Counters live in
 * this process's memory: each API replica limits on its own.
 */
export function createRateLimit(settings: Config['api']['rateLimit'], authenticate: Authenticate): RequestHandler {
  // Authenticated once per request: `requireRole` reuses the principal found here.
  const principalOf = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => {
    if (!('principal' in res.locals)) res.locals.principal = authenticate(req.headers.authorization);
    return res.locals.principal as Principal | undefined;
  };
  return rateLimit({
    windowMs: settings.windowMs,
    limit: (req, res) => (principalOf(req, res) ? settings.perKey : settings.perAddress),
    // The key's name, never the key; an address, masked to its /56 for IPv6 (one client's block).
    keyGenerator: (req, res) => {
      const principal = principalOf(req, res);
      return principal ? `key:${principal.name}` : `address:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: (req, res) => (principalOf(req, res) ? 'per-key' : 'per-address'),
    handler: (req, res, next) => {
      const limit = principalOf(req, res) ? settings.perKey : settings.perAddress;
      const per = principalOf(req, res) ? 'this API key' : 'this address without an API key';
      const window = settings.windowMs % 1000 === 0 ? `${settings.windowMs / 1000} s` : `${settings.windowMs} ms`;
      next(
        new HttpProblem(429, `More than ${limit} requests in ${window} for ${per}; retry after Retry-After seconds`),
      );
    },
  });
}
