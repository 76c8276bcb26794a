import { Router } from 'express';
import type { HttpMetrics } from '../http/http-metrics';
import { defineRoute, type RouteKit } from '../http/route';

export function prometheusRoutes(metrics: HttpMetrics, kit: RouteKit): Router {
  const router = Router();
  defineRoute(router, kit, {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics: process and HTTP requests',
    tags: ['operations'],
    role: 'public',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
    async handler(_input, res) {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  });
  return router;
}
