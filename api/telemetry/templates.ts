import type { Router } from 'express';
import type { z } from 'zod';
import { insertTemplate, listTemplates, updateTemplate } from '../../data/telemetry';
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

/** Schema templates: reusable variable settings, merged under each point's overrides. */
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
      res.json({ items: await listTemplates(db) } satisfies z.input<typeof TemplateListSchema>);
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
      if (!(await insertTemplate(db, body))) throw conflict(`a template named "${body.name}" exists`);
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
      if (!(await updateTemplate(db, { name: params.name, description: body.description, config: body.config })))
        throw notFound(`No template named "${params.name}"`);
      res.json({ name: params.name, description: body.description, config: body.config } satisfies z.input<
        typeof TemplateSchema
      >);
    },
  });
}
