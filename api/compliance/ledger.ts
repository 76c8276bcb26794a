import type { Router } from 'express';
import type { z } from 'zod';
import { MANUAL_STANDARDS } from '../../lib/compliance/config';
import type { ApiDeps } from '../deps';
import { principalOf } from '../http/auth';
import { conflict, notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { listSubmissions, readConfig, readLedgerStatus, readSubmission, readWorkSending } from '../../data/compliance';
import { readSendingState, wakeSending } from './sending';
import { readReports } from './reports';
import {
  ConfigIdParams,
  ConfigStatusSchema,
  ReportListSchema,
  ReportsQuery,
  SlotParams,
  SubmissionListSchema,
  SubmissionsQuery,
  SubmitAcceptedSchema,
} from './schemas';

export const PROBLEM_ALREADY_ACCEPTED = 'tag:durable-pipelines,2026:problem/compliance-already-accepted';

/** The ledger's routes: submissions, a configuration's status, a manual submit, the daily reports. */
export function defineLedgerRoutes(router: Router, kit: RouteKit, deps: ApiDeps): void {
  const { db } = deps;

  async function requireConfig(id: number) {
    const config = await readConfig(db, id);
    if (!config) throw notFound(`No compliance configuration ${id}`);
    return config;
  }

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/submissions',
    summary: 'The submission ledger, by configuration and slot, with every attempt (paged)',
    tags: ['compliance'],
    role: 'viewer',
    request: { query: SubmissionsQuery },
    responses: { 200: { description: 'A page', schema: SubmissionListSchema } },
    async handler({ query }, res) {
      res.json((await listSubmissions(db, query)) satisfies z.input<typeof SubmissionListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/configs/:id/status',
    summary: "A configuration's sending state: next slot, backlog, last receipt",
    tags: ['compliance'],
    role: 'viewer',
    request: { params: ConfigIdParams },
    responses: {
      200: { description: 'Its status', schema: ConfigStatusSchema },
      404: { description: 'No such configuration' },
    },
    async handler({ params }, res) {
      const config = await requireConfig(params.id);
      const [ledger, work] = await Promise.all([readLedgerStatus(db, params.id), readWorkSending(db, params.id)]);
      const sending = await readSendingState(deps, { status: config.status, ...work });
      res.json({ config, sending, ...ledger } satisfies z.input<typeof ConfigStatusSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/compliance/configs/:id/slots/:slot/submit',
    summary: 'Send a pending or rejected slot now, within the sending rules',
    description:
      'Its workflow `compliance/<config>/<slot>` sends it now if the sending rules allow (the backlog spacing, the ' +
      'daily resend of a failed measurement), or leaves it queued for the sender until they do. A slot the ' +
      'regulator accepted is never sent again: 409.',
    tags: ['compliance'],
    role: 'operator',
    request: { params: SlotParams },
    responses: {
      202: { description: 'Requested: its slot workflow runs', schema: SubmitAcceptedSchema },
      404: { description: 'No such configuration, or the slot is not in its ledger' },
      409: { description: 'Already accepted, or the configuration does not send (manual, inactive, blocked)' },
    },
    async handler({ params }, res) {
      const config = await requireConfig(params.id);
      const slot = new Date(params.slot);
      const row = await readSubmission(db, params.id, slot);
      if (!row) throw notFound(`Slot ${slot.toISOString()} is not in the ledger of configuration ${params.id}`);
      if (row.receipt)
        throw conflict(
          `Slot ${slot.toISOString()} was accepted by the ${config.source} (receipt ${row.receipt}); it is never sent again`,
          PROBLEM_ALREADY_ACCEPTED,
        );
      if (MANUAL_STANDARDS.includes(config.standard))
        throw conflict(`Configuration ${params.id} is ${config.standard}: reported through the regulator's web form`);
      if (config.status !== 'ACTIVE')
        throw conflict(
          `Configuration ${params.id} is ${config.status}${config.blockedReason ? ` (${config.blockedReason})` : ''}; ` +
            'set it ACTIVE first',
        );
      const workflowId = await wakeSending(deps, params.id, { submitNow: slot.toISOString() });
      deps.logger.info({ config: params.id, slot, by: principalOf(res)?.name }, 'compliance submit requested');
      res.status(202).json({
        configId: params.id,
        slot: slot.toISOString(),
        workflowId,
        message: 'queued: it is sent as soon as the sending rules allow',
      } satisfies z.input<typeof SubmitAcceptedSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/compliance/reports',
    summary: 'The daily compliance report of a day (stored at 07:00 for the previous day; provisional before)',
    tags: ['compliance'],
    role: 'viewer',
    request: { query: ReportsQuery },
    responses: {
      200: { description: 'One row per configuration', schema: ReportListSchema },
      404: { description: 'No configuration reported to a regulator that day' },
    },
    async handler({ query }, res) {
      const { provisional, items } = await readReports(db, query.date, query.config);
      if (items.length === 0) throw notFound(`No configuration reports to a regulator on ${query.date}`);
      res.json({ date: query.date, provisional, items } satisfies z.input<typeof ReportListSchema>);
    },
  });
}
