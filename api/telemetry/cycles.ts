import type { Router } from 'express';
import type { z } from 'zod';
import { PIPELINE, PIPELINE_TARGET } from '../../lib/search-attributes';
import { FREQUENCIES, type Frequency } from '../../lib/telemetry/providers';
import type { TelemetryCycleInput } from '../../workflows/telemetry/cycle';
import type { ApiDeps } from '../deps';
import { badRequest } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { ActionAcceptedSchema } from '../http/schemas';
import { readStats } from '../../data/telemetry';
import { FrequencyParams, StatsSchema } from './schemas';
import { startRunAndAccept } from '../http/start-run';

/** A forced cycle has one business id per frequency: a second POST while it runs answers that run. */
export const telemetryPollWorkflowId = (frequency: Frequency) => `telemetry-poll/${frequency}m/api`;

/** Forcing a polling cycle, and the figures of the last ones. */
export function defineCycleRoutes(router: Router, kit: RouteKit, deps: ApiDeps): void {
  const { db, client, config } = deps;
  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/poll/:frequency',
    summary: 'Run a polling cycle of one frequency now',
    description:
      'Starts the same workflow as the schedule (TriggeredBy=api); while it runs, another POST answers that run.',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: FrequencyParams },
    responses: { 202: { description: 'Started, or already running', schema: ActionAcceptedSchema } },
    async handler({ params }, res) {
      const frequency = Number(params.frequency) as Frequency;
      if (!FREQUENCIES.includes(frequency)) throw badRequest('frequency must be 1, 5 or 60');
      const input: TelemetryCycleInput = { frequency, timeZone: config.timeZone };
      await startRunAndAccept(deps, res, {
        workflowType: 'telemetryPollCycle',
        taskQueue: 'telemetry',
        workflowId: telemetryPollWorkflowId(frequency),
        args: [input],
      });
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/telemetry/stats',
    summary: 'Points per status, readings per provider in the last hour, open alerts, last cycle per frequency',
    tags: ['telemetry'],
    role: 'viewer',
    responses: { 200: { description: 'Stats', schema: StatsSchema } },
    async handler(_input, res) {
      const stats = await readStats(db);
      const lastCycles: Record<string, { workflowId: string; status: string; startTime: string | null } | null> = {};
      for (const frequency of FREQUENCIES) {
        lastCycles[String(frequency)] = null;
        const query = `${PIPELINE.name} = 'telemetry' AND ${PIPELINE_TARGET.name} = 'frequency-${frequency}'`;
        for await (const info of client.workflow.list({ query, pageSize: 1 })) {
          lastCycles[String(frequency)] = {
            workflowId: info.workflowId,
            status: info.status.name,
            startTime: info.startTime?.toISOString() ?? null,
          };
          break;
        }
      }
      res.json({ ...stats, lastCycles } satisfies z.input<typeof StatsSchema>);
    },
  });
}
