import { createBigQuerySource } from '../../lib/bigquery';
import type { Config } from '../../lib/config';
import { lastEtlSuccess } from '../../data/etl';
import type { Database } from '../../lib/db';
import { MissingConfigurationError } from '../../lib/errors';

/**
 * Is BigQuery reachable? One short probe is weak evidence on a busy machine (it took over 5 s
 * there while every ETL run was succeeding), so the verdict weighs what the system has seen:
 * - the probe answered: reachable (`probe`), or a definite refusal (dataset missing, denied): not;
 * - no answer in time, but a BigQuery call succeeded recently (an ETL run that finished, a page an
 *   extract staged, an earlier probe of this process): reachable (`recent-activity`);
 * - otherwise the probe is tried once more before BigQuery is called unreachable.
 */
export const PROBE_DEADLINE_MS = 5_000;
/** A successful call this recent still says BigQuery answers. */
export const RECENT_SUCCESS_MS = 15 * 60_000;

export interface BigQueryHealth {
  reachable: boolean;
  evidence: 'probe' | 'recent-activity' | 'none';
  /** The latest BigQuery call known to have succeeded. */
  lastSuccessAt: string | null;
  /** The probe's failure, if it failed (with `reachable`, BigQuery was slow, not away). */
  error?: string;
  probeAttempts: number;
}

type ProbeResult = { ok: true } | { ok: false; definite: boolean; error: string };

/** One cheap API call with a deadline; the error message never carries credentials. */
async function probe(settings: Config['bigquery']): Promise<ProbeResult> {
  try {
    const source = createBigQuerySource(settings);
    const call = source.client.dataset(source.dataset).exists();
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), PROBE_DEADLINE_MS).unref(),
    );
    const answer = await Promise.race([call, timeout]);
    if (answer === 'timeout')
      return { ok: false, definite: false, error: `no answer within ${PROBE_DEADLINE_MS / 1000} s` };
    return answer[0] ? { ok: true } : { ok: false, definite: true, error: `dataset ${source.dataset} not found` };
  } catch (error) {
    return { ok: false, definite: isDefinite(error), error: (error as Error).message.split('\n')[0]!.slice(0, 200) };
  }
}

/** Nothing listens there, BigQuery said no (4xx), or it is not configured: no evidence changes that. */
const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND']);
function isDefinite(error: unknown): boolean {
  if (error instanceof MissingConfigurationError) return true;
  // A reset, a 5xx or a timeout says as little as no answer: BigQuery or the machine may be slow.
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'number' && e.code >= 400 && e.code < 500) return true;
    if (typeof e.code === 'string' && REFUSED.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return REFUSED.has(/\b(ECONNREFUSED|ENOTFOUND)\b/.exec(String((error as Error)?.message))?.[1] ?? '');
}

/** One per API process: remembers its own last successful probe. */
export function createBigQueryHealth(settings: Config['bigquery'], db: Database) {
  let lastProbeOk: Date | null = null;
  return async function checkBigQuery(): Promise<BigQueryHealth> {
    let result = await probe(settings);
    let probeAttempts = 1;
    if (result.ok) {
      lastProbeOk = new Date();
      return { reachable: true, evidence: 'probe', lastSuccessAt: lastProbeOk.toISOString(), probeAttempts };
    }
    const fromRuns = result.definite ? null : await lastEtlSuccess(db).catch(() => null);
    const last = [fromRuns, lastProbeOk].reduce<Date | null>((a, b) => (!a || (b && b > a) ? b : a), null);
    const lastSuccessAt = last?.toISOString() ?? null;
    if (!result.definite && last && Date.now() - last.getTime() <= RECENT_SUCCESS_MS)
      return { reachable: true, evidence: 'recent-activity', lastSuccessAt, error: result.error, probeAttempts };
    if (!result.definite) {
      result = await probe(settings);
      probeAttempts += 1;
      if (result.ok) {
        lastProbeOk = new Date();
        return { reachable: true, evidence: 'probe', lastSuccessAt: lastProbeOk.toISOString(), probeAttempts };
      }
    }
    return { reachable: false, evidence: 'none', lastSuccessAt, error: result.error, probeAttempts };
  };
}
