import type { Database } from '../../lib/db';
import type { AlertCondition } from '../../lib/telemetry/alerts';
import {
  applyAlertConditions,
  applyProviderAlert,
  loadActivePointHealth,
  resolveProviderDownExcept,
} from '../../data/telemetry';
import { notifyOpenedAlerts, notifyOpenedProviderAlert } from './alerts';

/** A provider is down when every active point of it failed this many polls in a row. */
export const PROVIDER_DOWN_AFTER = 3;
/** A point is silent when its newest reading is older than this many of its periods. */
export const SILENT_AFTER_PERIODS = 3;

export interface HealthResult {
  silentPoints: string[];
  providersDown: string[];
  alertsOpened: number;
}

/**
 * The health check: `NO_DATA` on an active point with no new reading for more than three of its
 * periods, per point; `PROVIDER_DOWN` once for a provider whose every active point failed its last
 * polls. Each check opens, counts or resolves them like the rules' alerts.
 */
export async function checkHealth(db: Database, now: Date): Promise<HealthResult> {
  const rows = await loadActivePointHealth(db, now, PROVIDER_DOWN_AFTER, SILENT_AFTER_PERIODS);
  const at = now.toISOString();
  const condition = (rule: string, active: boolean, message: string): AlertCondition => ({
    variable: '*',
    rule,
    severity: 'warning',
    count: active ? 1 : 0,
    firstAt: active ? at : null,
    lastAt: active ? at : null,
    active,
    message,
  });
  let alertsOpened = 0;
  for (const row of rows) {
    await db.withTransaction(async (client) => {
      const opened = await applyAlertConditions(client, row.code, [
        condition('NO_DATA', row.silent, `no new reading for more than ${SILENT_AFTER_PERIODS} periods`),
      ]);
      await notifyOpenedAlerts(client, row, opened);
      alertsOpened += opened.length;
    });
  }
  // One PROVIDER_DOWN per provider (not one per point): opened, counted or resolved with its points' health.
  for (const provider of new Set(rows.map((row) => row.provider))) {
    const points = rows.filter((row) => row.provider === provider);
    const down = points[0]!.provider_down;
    await db.withTransaction(async (client) => {
      const alert = condition('PROVIDER_DOWN', down, `provider ${provider} failed every call of the last polls`);
      const id = await applyProviderAlert(client, provider, alert);
      if (id === undefined) return;
      await notifyOpenedProviderAlert(
        client,
        { provider, points: points.map((p) => p.code) },
        { id, condition: alert },
      );
      alertsOpened += 1;
    });
  }
  // A provider left without active points is not down.
  await resolveProviderDownExcept(db, [...new Set(rows.map((row) => row.provider))]);
  return {
    silentPoints: rows.filter((r) => r.silent).map((r) => r.code),
    providersDown: [...new Set(rows.filter((r) => r.provider_down).map((r) => r.provider))],
    alertsOpened,
  };
}
