import { Router } from 'express';
import type { z } from 'zod';
import {
  deactivatePoint,
  insertPoint,
  listActivePoints,
  listPoints,
  readAlerts,
  readMeasurements,
  readPoint,
  templateExists,
  updatePoint,
} from '../../data/telemetry';
import { effectiveConfig } from '../../lib/telemetry/config';
import type { ApiDeps } from '../deps';
import { principalOf } from '../http/auth';
import { badRequest, conflict, notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { isViolation } from '../http/sql';
import { defineBackfillRoute } from './backfill';
import { defineCycleRoutes } from './cycles';
import { defineFlowAcceptanceRoute } from './flow-acceptance';
import { defineReprocessRoute } from './reprocess';
import { defineTemplateRoutes } from './templates';
import {
  ActivePointsQuery,
  ActivePointsSchema,
  AlertListSchema,
  AlertsQuery,
  CreatePointSchema,
  MeasurementListSchema,
  MeasurementsQuery,
  PointCodeParams,
  PointDetailSchema,
  PointListQuery,
  PointListSchema,
  PointSchema,
  UpdatePointSchema,
} from './schemas';

export { telemetryPollWorkflowId } from './cycles';

/** The telemetry API: points (here), templates, cycles and reprocessing (beside it). */
export function telemetryRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { db } = deps;

  async function requireTemplate(name: string | null | undefined) {
    if (!name) return;
    if (!(await templateExists(db, name)))
      throw badRequest(`body.template: no template named "${name}"`, [
        { field: 'body.template', message: 'unknown template' },
      ]);
  }

  defineRoute(router, kit, {
    method: 'get',
    path: '/points/active',
    summary: 'Active points, optionally of one frequency or provider (seed 001)',
    tags: ['telemetry'],
    role: 'viewer',
    request: { query: ActivePointsQuery },
    responses: { 200: { description: 'Active points', schema: ActivePointsSchema } },
    async handler({ query }, res) {
      const rows = await listActivePoints(db, {
        frequency: query.frequency ? Number(query.frequency) : null,
        provider: query.provider ?? null,
      });
      res.json({
        points: rows.map((r) => ({
          id: r.code,
          title: r.name,
          provider: r.provider,
          frequency: String(r.frequency_minutes),
          type: r.point_type,
        })),
        total: rows.length,
        filters: { frequency: query.frequency ?? null, provider: query.provider ?? null },
      } satisfies z.input<typeof ActivePointsSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/points',
    summary: 'Catchment points',
    tags: ['telemetry'],
    role: 'viewer',
    request: { query: PointListQuery },
    responses: { 200: { description: 'Points, by code', schema: PointListSchema } },
    async handler({ query }, res) {
      const frequency = query.frequency ? Number(query.frequency) : undefined;
      res.json((await listPoints(db, { ...query, frequency })) satisfies z.input<typeof PointListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/points',
    summary: 'Register a catchment point',
    description: 'Credentials are a reference: the name of an entry of CREDENTIALS_FILE, never the secret.',
    tags: ['telemetry'],
    role: 'operator',
    request: { body: CreatePointSchema },
    responses: { 201: { description: 'Created', schema: PointSchema }, 409: { description: 'Code or device taken' } },
    async handler({ body }, res) {
      await requireTemplate(body.template);
      try {
        const point = await insertPoint(db, body);
        deps.logger.info({ point: body.code, by: principalOf(res)?.name }, 'telemetry point created');
        res.status(201).json(point satisfies z.input<typeof PointSchema>);
      } catch (error) {
        if (isViolation(error, '23505'))
          throw conflict(`a point with code ${body.code} or device ${body.provider}/${body.deviceId} exists`);
        if (isViolation(error, '23503')) throw badRequest('body.template: unknown template');
        throw error;
      }
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/points/:code',
    summary: 'A point, with its effective configuration and its version',
    tags: ['telemetry'],
    role: 'viewer',
    request: { params: PointCodeParams },
    responses: { 200: { description: 'The point', schema: PointDetailSchema }, 404: { description: 'No such point' } },
    async handler({ params }, res) {
      const found = await readPoint(db, params.code);
      if (!found) throw notFound(`No point with code "${params.code}"`);
      const effective = effectiveConfig(found.templateConfig, found.point.overrides);
      res.json({
        ...found.point,
        effectiveConfig: effective.config as unknown as Record<string, unknown>,
        configVersion: effective.version,
      } satisfies z.input<typeof PointDetailSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'patch',
    path: '/api/v1/telemetry/points/:code',
    summary: 'Change a point (its status, frequency, constants…)',
    description:
      'New measurements use the new configuration (a new `configVersion`); stored ones keep theirs until reprocessed.',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: PointCodeParams, body: UpdatePointSchema },
    responses: { 200: { description: 'Updated', schema: PointSchema }, 404: { description: 'No such point' } },
    async handler({ params, body }, res) {
      await requireTemplate(body.template);
      try {
        const point = await updatePoint(db, params.code, {
          name: body.name,
          point_type: body.type,
          latitude: body.latitude,
          longitude: body.longitude,
          altitude: body.altitude,
          device_id: body.deviceId,
          credentials_ref: body.credentialsRef,
          status: body.status,
          frequency_minutes: body.frequency,
          template_name: body.template,
          overrides: body.overrides === undefined ? undefined : JSON.stringify(body.overrides),
        });
        if (!point) throw notFound(`No point with code "${params.code}"`);
        res.json(point satisfies z.input<typeof PointSchema>);
      } catch (error) {
        if (isViolation(error, '23505')) throw conflict('another point has this provider and device id');
        throw error;
      }
    },
  });

  defineRoute(router, kit, {
    method: 'delete',
    path: '/api/v1/telemetry/points/:code',
    summary: 'Deactivate a point (its data is kept)',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: PointCodeParams },
    responses: { 200: { description: 'Deactivated', schema: PointSchema }, 404: { description: 'No such point' } },
    async handler({ params }, res) {
      const point = await deactivatePoint(db, params.code);
      if (!point) throw notFound(`No point with code "${params.code}"`);
      res.json(point satisfies z.input<typeof PointSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/points/:code/measurements',
    summary: "A point's measurements, oldest first, paged",
    tags: ['telemetry'],
    role: 'viewer',
    request: { params: PointCodeParams, query: MeasurementsQuery },
    responses: { 200: { description: 'A page', schema: MeasurementListSchema }, 404: { description: 'No such point' } },
    async handler({ params, query }, res) {
      if (!(await readPoint(db, params.code))) throw notFound(`No point with code "${params.code}"`);
      res.json((await readMeasurements(db, params.code, query)) satisfies z.input<typeof MeasurementListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/alerts',
    summary: 'Alerts, newest first',
    tags: ['telemetry'],
    role: 'viewer',
    request: { query: AlertsQuery },
    responses: { 200: { description: 'Alerts', schema: AlertListSchema } },
    async handler({ query }, res) {
      res.json({ items: await readAlerts(db, query) } satisfies z.input<typeof AlertListSchema>);
    },
  });

  defineTemplateRoutes(router, kit, deps);
  defineCycleRoutes(router, kit, deps);
  defineReprocessRoute(router, kit, deps);
  defineFlowAcceptanceRoute(router, kit, deps);
  defineBackfillRoute(router, kit, deps);
  return router;
}
