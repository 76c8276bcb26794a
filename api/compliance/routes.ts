import { Router } from 'express';
import type { z } from 'zod';
import {
  deactivateConfig,
  insertConfig,
  listConfigs,
  listSources,
  readConfig,
  updateConfig,
} from '../../data/compliance';
import { createCredentialsStore } from '../../platform/credentials';
import { credentialProblems, MANUAL_STANDARDS, type Source } from '../../lib/compliance/config';
import type { ApiDeps } from '../deps';
import { principalOf } from '../http/auth';
import { badRequest, conflict, notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { isViolation } from '../http/sql';
import { pointExists } from '../../data/telemetry';
import { defineLedgerRoutes } from './ledger';
import {
  ConfigIdParams,
  ConfigListQuery,
  ConfigListSchema,
  ConfigSchema,
  CreateConfigSchema,
  SourceListSchema,
  UpdateConfigSchema,
} from './schemas';
import { wakeSending } from './sending';

/** The compliance API: sources and configurations (here), the ledger, status, submit and reports (beside it). */
export function complianceRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { db } = deps;
  const credentials = createCredentialsStore(deps.config.credentialsFile);

  /**
   * A configuration names its credentials; when this process can read CREDENTIALS_FILE, the entry
   * must exist and hold what the regulator needs, with valid RUTs. Errors name fields, never values.
   */
  function requireCredentials(source: Source, reference: string) {
    if (!deps.config.credentialsFile) return;
    let entry: unknown;
    try {
      entry = credentials.resolve(reference);
    } catch (error) {
      throw badRequest(`body.credentialsRef: ${(error as Error).message}`, [
        { field: 'body.credentialsRef', message: 'unknown reference' },
      ]);
    }
    const problems = credentialProblems(source, entry);
    if (problems.length > 0)
      throw badRequest(`body.credentialsRef: the entry "${reference}" ${problems.join('; ')}`, [
        { field: 'body.credentialsRef', message: problems.join('; ') },
      ]);
  }

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/sources',
    summary: 'The regulators submissions go to',
    tags: ['compliance'],
    role: 'viewer',
    responses: { 200: { description: 'Sources', schema: SourceListSchema } },
    async handler(_input, res) {
      res.json({ items: await listSources(db) } satisfies z.input<typeof SourceListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/configs',
    summary: 'Compliance configurations',
    tags: ['compliance'],
    role: 'viewer',
    request: { query: ConfigListQuery },
    responses: { 200: { description: 'Configurations, by id', schema: ConfigListSchema } },
    async handler({ query }, res) {
      res.json((await listConfigs(db, query)) satisfies z.input<typeof ConfigListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/compliance/configs',
    summary: 'Report a point to a regulator',
    description:
      'Credentials are a reference: the name of a CREDENTIALS_FILE entry with the RUTs and password, never the secret. ' +
      'One configuration per point and regulator, and one per DGA work. Its sending starts at once.',
    tags: ['compliance'],
    role: 'operator',
    request: { body: CreateConfigSchema },
    responses: {
      201: { description: 'Created', schema: ConfigSchema },
      409: { description: 'The point or the work is already reported to that regulator' },
    },
    async handler({ body }, res) {
      if (!(await pointExists(db, body.pointCode)))
        throw badRequest(`body.pointCode: no point with code "${body.pointCode}"`, [
          { field: 'body.pointCode', message: 'unknown point' },
        ]);
      requireCredentials(body.source, body.credentialsRef);
      let created;
      try {
        created = await insertConfig(db, body);
      } catch (error) {
        if (isViolation(error, '23505'))
          throw conflict(
            body.dga
              ? `point ${body.pointCode} or work ${body.dga.codigoObra} is already reported to the ${body.source}`
              : `point ${body.pointCode} is already reported to the ${body.source}`,
          );
        throw error;
      }
      if (!created.manual) await wakeSending(deps, created.id);
      deps.logger.info(
        { config: created.id, point: body.pointCode, by: principalOf(res)?.name },
        'compliance config created',
      );
      res.status(201).json(created satisfies z.input<typeof ConfigSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/configs/:id',
    summary: 'A compliance configuration',
    tags: ['compliance'],
    role: 'viewer',
    request: { params: ConfigIdParams },
    responses: { 200: { description: 'The configuration', schema: ConfigSchema }, 404: { description: 'No such one' } },
    async handler({ params }, res) {
      const found = await readConfig(db, params.id);
      if (!found) throw notFound(`No compliance configuration ${params.id}`);
      res.json(found satisfies z.input<typeof ConfigSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'patch',
    path: '/api/v1/compliance/configs/:id',
    summary: 'Change a configuration (identifiers, credentials, dates, standard, status)',
    description:
      'The sender plans it again at once. `status: ACTIVE` resumes a configuration BLOCKED by a configuration ' +
      'error (after fixing the informant or credentials); INACTIVE stops its sending.',
    tags: ['compliance'],
    role: 'operator',
    request: { params: ConfigIdParams, body: UpdateConfigSchema },
    responses: { 200: { description: 'Updated', schema: ConfigSchema }, 404: { description: 'No such one' } },
    async handler({ params, body }, res) {
      const current = await readConfig(db, params.id);
      if (!current) throw notFound(`No compliance configuration ${params.id}`);
      const source = current.source as Source;
      if (body.dga && source !== 'DGA') throw badRequest('body.dga: the configuration is for the SMA');
      if (body.sma && source !== 'SMA') throw badRequest('body.sma: the configuration is for the DGA');
      if (body.standard && (body.standard === 'SMA') !== (source === 'SMA'))
        throw badRequest(`body.standard: ${body.standard} is not a standard of the ${source}`);
      const activeFrom = body.activeFrom ?? current.activeFrom;
      const activeTo = body.activeTo === undefined ? current.activeTo : body.activeTo;
      if (activeTo && activeTo < activeFrom) throw badRequest('body.activeTo: must not be before activeFrom');
      if (body.credentialsRef) requireCredentials(source, body.credentialsRef);
      let updated;
      try {
        updated = await updateConfig(db, params.id, body);
      } catch (error) {
        if (isViolation(error, '23505')) throw conflict('another configuration reports this work');
        throw error;
      }
      await wakeSending(deps, updated.id);
      deps.logger.info({ config: updated.id, by: principalOf(res)?.name }, 'compliance config updated');
      res.json(updated satisfies z.input<typeof ConfigSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'delete',
    path: '/api/v1/compliance/configs/:id',
    summary: 'Deactivate a configuration (its ledger is kept)',
    tags: ['compliance'],
    role: 'operator',
    request: { params: ConfigIdParams },
    responses: { 200: { description: 'Deactivated', schema: ConfigSchema }, 404: { description: 'No such one' } },
    async handler({ params }, res) {
      const config = await deactivateConfig(db, params.id);
      if (!config) throw notFound(`No compliance configuration ${params.id}`);
      if (!MANUAL_STANDARDS.includes(config.standard)) await wakeSending(deps, config.id);
      deps.logger.info({ config: config.id, by: principalOf(res)?.name }, 'compliance config deactivated');
      res.json(config satisfies z.input<typeof ConfigSchema>);
    },
  });

  defineLedgerRoutes(router, kit, deps);
  return router;
}
