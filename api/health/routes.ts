import { Router } from 'express';
import type { z } from 'zod';
import type { ApiDeps } from '../deps';
import { checkDatabase, checkSchedules, checkTemporal } from './checks';
import { defineRoute, type RouteKit } from '../http/route';
import { HealthSchema } from './schemas';
import { seedComponents } from './seed';

export function healthRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  defineRoute(router, kit, {
    method: 'get',
    path: '/health',
    summary: 'Database, Temporal and schedules',
    description: 'Public, for load balancers and uptime checks. Answers within about 2 s even when a dependency hangs.',
    tags: ['operations'],
    role: 'public',
    responses: {
      200: { description: 'ok or degraded', schema: HealthSchema },
      503: { description: 'down: the database or Temporal is unreachable', schema: HealthSchema },
    },
    async handler(_input, res) {
      const [database, temporal, schedules] = await Promise.all([
        checkDatabase(deps.db),
        checkTemporal(deps.client),
        checkSchedules(deps.client, deps.db, deps.schedules),
      ]);
      const status =
        database.status === 'down' || temporal.status === 'down'
          ? 'down'
          : schedules.status === 'ok'
            ? 'ok'
            : 'degraded';
      res.setHeader('Cache-Control', 'no-store');
      res.status(status === 'down' ? 503 : 200).json({
        status,
        checks: { database, temporal, schedules },
        components: seedComponents(schedules, deps.schedules),
      } satisfies z.input<typeof HealthSchema>);
    },
  });
  return router;
}
