import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logger';
import type { HttpMetrics } from './http-metrics';

/** Routes polled by machines; their lines go to debug so they do not drown the rest. */
const QUIET_ROUTES = new Set(['/health', '/metrics']);
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Logs and measures every request once it is answered (or abandoned). The route label is the
 * pattern `defineRoute` recorded, never the raw URL, so ids do not explode the metric's cardinality.
 * Headers are never logged: they carry the API key.
 */
export function observeRequests(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      metrics.observe({ method: req.method, route, status: res.statusCode }, seconds);
      const line = {
        requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (QUIET_ROUTES.has(route)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
