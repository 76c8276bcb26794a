import type { Router } from 'express';
import type { z } from 'zod';
import type { ApiDeps } from '../deps';
import { conflict, notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import {
  CreateTemplateSchema,
  TemplateBodySchema,
  TemplateListSchema,
  TemplateNameParams,
  TemplateSchema,
} from './schemas';

/** Schema templates (seed 001): reusable variable settings, merged under each point's overrides. */
export function defineTemplateRoutes(router: Router, kit: RouteKit, deps: ApiDeps): void {
  const { db } = deps;
  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/templates',
    summary: 'Schema templates',
    tags: ['telemetry'],
    role: 'viewer',
    responses: { 200: { description: 'Templates', schema: TemplateListSchema } },
    async handler(_input, res) {
      const { rows } = await db.query<{ name: string; description: string; config: Record<string, unknown> }>(
        'SELECT name, description, config FROM telemetry_templates ORDER BY name',
      );
      res.json({ items: rows } satisfies z.input<typeof TemplateListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/templates',
    summary: 'Create a schema template',
    tags: ['telemetry'],
    role: 'operator',
    request: { body: CreateTemplateSchema },
    responses: { 201: { description: 'Created', schema: TemplateSchema }, 409: { description: 'Name taken' } },
    async handler({ body }, res) {
      const { rowCount } = await db.query(
        'INSERT INTO telemetry_templates (name, description, config) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [body.name, body.description, JSON.stringify(body.config)],
      );
      if (!rowCount) throw conflict(`a template named "${body.name}" exists`);
      res
        .status(201)
        .json({ name: body.name, description: body.description, config: body.config } satisfies z.input<
          typeof TemplateSchema
        >);
    },
  });

  defineRoute(router, kit, {
    method: 'put',
    path: '/api/v1/telemetry/templates/:name',
    summary: "Replace a template's settings",
    description: 'Every point using it computes its next measurements with the new settings (a new configVersion).',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: TemplateNameParams, body: TemplateBodySchema },
    responses: { 200: { description: 'Replaced', schema: TemplateSchema }, 404: { description: 'No such template' } },
    async handler({ params, body }, res) {
      const { rowCount } = await db.query(
        'UPDATE telemetry_templates SET description = $2, config = $3, updated_at = now() WHERE name = $1',
        [params.name, body.description, JSON.stringify(body.config)],
      );
      if (!rowCount) throw notFound(`No template named "${params.name}"`);
      res.json({ name: params.name, description: body.description, config: body.config } satisfies z.input<
        typeof TemplateSchema
      >);
    },
  });
}
