import express from 'express';
import { createAuth, createAuthenticator } from './http/auth';
import { createJsonBodyParser } from './http/body';
import type { ApiDeps } from './deps';
import { notFoundHandler, problemErrorHandler } from './http/error-handler';
import { FAMILY_ROUTES } from './families';
import { createHttpMetrics } from './http/http-metrics';
import { observeRequests } from './http/observe';
import { createRateLimit } from './http/rate-limit';
import { createRegistry } from './http/openapi';
import { methodNotAllowed, type RouteKit } from './http/route';
import { docsRoutes } from './docs/routes';
import { registerEtlMetrics } from './etl/metrics';
import { healthRoutes } from './health/routes';
import { prometheusRoutes } from './prometheus/routes';
import { runRoutes } from './runs/routes';
import { scheduleRoutes } from './schedules/routes';

export type { ApiDeps } from './deps';

/** The control API, built from its dependencies so tests can build as many as they like. */
export function createApp(deps: ApiDeps): express.Express {
  const logger = deps.logger.child({ component: 'api' });
  const metrics = createHttpMetrics();
  registerEtlMetrics(metrics.registry, deps.db, deps.config.timeZone);
  // Without keys every protected route answers 401; `api/main.ts` refuses to start that way.
  const authenticate = createAuthenticator(deps.config.api.keys ?? []);
  const requireRole = createAuth(authenticate);
  const kit: RouteKit = {
    registry: createRegistry(),
    requireRole,
    client: deps.client,
    methodsByPath: new Map(),
    parseJsonBody: createJsonBodyParser(deps.config.api.bodyLimit),
  };

  const app = express();
  app.disable('x-powered-by');
  // Flat `?a=1&b=2` values only (no `a[b]=` objects): the strict query schemas expect strings.
  app.set('query parser', 'simple');

  app.use(observeRequests(logger, metrics));
  // Before anything else reads the request: a client over its limit costs a counter, no more.
  app.use(createRateLimit(deps.config.api.rateLimit, authenticate));
  // Everything under /api/v1 needs a key, even a path no route has. Bodies are read by each
  // route, after its own key check (`defineRoute`), never here.
  app.use('/api/v1', (_req, res, next) => {
    res.locals.route = '/api/v1/*';
    next();
  });
  app.use('/api/v1', requireRole('viewer'));

  app.use(healthRoutes(deps, kit));
  app.use(prometheusRoutes(metrics, kit));
  app.use(runRoutes(deps, kit));
  app.use(scheduleRoutes(deps, kit));
  for (const familyRoutes of FAMILY_ROUTES) app.use(familyRoutes(deps, kit));
  app.use(docsRoutes(kit));
  methodNotAllowed(app, kit);

  app.use(notFoundHandler);
  app.use(problemErrorHandler(logger));
  return app;
}
