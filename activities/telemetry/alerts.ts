import type { PoolClient } from 'pg';
import type { AlertCondition } from '../../lib/telemetry/alerts';
import { enqueueNotifications } from '../../data/notifications/outbox';

/**
 * The notifications of the alerts a transaction opened, written in that same transaction: an
 * alert never exists without them, and they exist only if it does.
 */
export async function notifyOpenedAlerts(
  client: PoolClient,
  point: { code: string; provider: string },
  opened: readonly { id: string; condition: AlertCondition }[],
): Promise<void> {
  for (const { id, condition } of opened)
    await enqueueNotifications(client, {
      about: `telemetry-alert:${id}:opened`,
      type: 'telemetry.alert.opened',
      subject: point.code,
      title: `${condition.rule} on ${condition.variable} (${condition.severity})`,
      text: `Point ${point.code} (${point.provider}): ${condition.message}, first at ${condition.firstAt}.`,
      data: {
        alertId: id,
        point: point.code,
        provider: point.provider,
        variable: condition.variable,
        rule: condition.rule,
        severity: condition.severity,
        firstAt: condition.firstAt,
      },
    });
}

/** A provider's alert (PROVIDER_DOWN), once to every user who follows any of its points. */
export async function notifyOpenedProviderAlert(
  client: PoolClient,
  provider: { provider: string; points: readonly string[] },
  opened: { id: string; condition: AlertCondition },
): Promise<void> {
  const { id, condition } = opened;
  await enqueueNotifications(
    client,
    {
      about: `telemetry-alert:${id}:opened`,
      type: 'telemetry.alert.opened',
      subject: `provider ${provider.provider}`,
      title: `${condition.rule} (${condition.severity})`,
      text: `Provider ${provider.provider} (${provider.points.length} active points): ${condition.message}, first at ${condition.firstAt}.`,
      data: {
        alertId: id,
        provider: provider.provider,
        points: provider.points,
        rule: condition.rule,
        severity: condition.severity,
        firstAt: condition.firstAt,
      },
    },
    provider.points,
  );
}
