import type { Router } from 'express';
import { z } from 'zod';
import { acceptInconsistentFlows } from '../../data/telemetry';
import type { ApiDeps } from '../deps';
import { defineRoute, type RouteKit } from '../http/route';
import { requirePoint } from './reads';
import { PointCodeParams, ReprocessBodySchema } from './schemas';

const AcceptedFlowsSchema = z
  .object({
    code: z.string(),
    accepted: z
      .number()
      .int()
      .meta({ description: 'Flow measurements whose FLOW_TOTAL_CONSISTENCY flag was accepted' }),
  })
  .meta({ id: 'TelemetryAcceptedFlows' });

/**
 * The operator's explicit "these flows are right": a point whose flow disagrees with its total for a
 * reason that is not a unit (a meter known to drift, say) would otherwise hold its regulator slots for
 * ever. The flag becomes `FLOW_TOTAL_ACCEPTED`, which compliance sends and later hour checks leave alone.
 */
export function defineFlowAcceptanceRoute(router: Router, kit: RouteKit, deps: ApiDeps): void {
  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/points/:code/flow-consistency/accept',
    summary: "Accept a point's flows flagged FLOW_TOTAL_CONSISTENCY in [from, to) as good",
    description:
      'Use only when the flow is right although it disagrees with the total; a wrong unit is fixed in the point and reprocessed instead. A reprocess of the range judges the hours again.',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: PointCodeParams, body: ReprocessBodySchema },
    responses: {
      200: { description: 'Accepted', schema: AcceptedFlowsSchema },
      404: { description: 'No such point' },
    },
    async handler({ params, body }, res) {
      await requirePoint(deps.db, params.code);
      const accepted = await acceptInconsistentFlows(deps.db, params.code, new Date(body.from), new Date(body.to));
      res.json({ code: params.code, accepted } satisfies z.input<typeof AcceptedFlowsSchema>);
    },
  });
}
