import type { Router } from 'express';
import type { ApiDeps } from './deps';
import type { RouteKit } from './http/route';
import { cvRoutes } from './cv/routes';
import { etlRoutes } from './etl/routes';
import { metricsRoutes } from './metrics/routes';
import { complianceRoutes } from './compliance/routes';
import { notificationRoutes } from './notifications/routes';
import { telemetryRoutes } from './telemetry/routes';

/**
 * Where each family plugs in its own routes (the paths and parameter names of the services they replace, e.g.
 * `/dashboards/batch-jobs/status`, `/api/v1/etl/...`). A family exports a function that builds a
 * Router with `defineRoute(router, kit, …)`, so its routes are validated, authenticated (`role`
 * is required), measured and listed in `/openapi.json` like the generic ones, and adds it here.
 * Paths are absolute; routers are mounted at the root after the generic routes.
 */
export type FamilyRoutes = (deps: ApiDeps, kit: RouteKit) => Router;

export const FAMILY_ROUTES: readonly FamilyRoutes[] = [
  metricsRoutes,
  cvRoutes,
  etlRoutes,
  telemetryRoutes,
  complianceRoutes,
  notificationRoutes,
];
