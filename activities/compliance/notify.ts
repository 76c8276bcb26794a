import type { PoolClient } from 'pg';
import { enqueueNotifications } from '../../data/notifications/outbox';
import type { ComplianceConfigRow } from '../../data/compliance';

export type ComplianceEvent = 'compliance.rejected' | 'compliance.config_error' | 'compliance.mismatch';

const TITLES: Record<ComplianceEvent, string> = {
  'compliance.rejected': 'regulator rejected a measurement',
  'compliance.config_error': 'compliance configuration blocked',
  'compliance.mismatch': "regulator's record differs from what was sent",
};

/**
 * Notifies the point's subscribers in the caller's transaction (the one that records the cause).
 * Keyed by configuration, slot and event: a retried activity never notifies twice.
 */
export function notifyCompliance(
  client: PoolClient,
  config: ComplianceConfigRow,
  slot: string,
  type: ComplianceEvent,
  reason: string,
): Promise<number> {
  const work = config.source === 'DGA' ? config.codigoObra : config.smaDispositivoId;
  return enqueueNotifications(client, {
    about: `compliance:${config.id}:${slot}:${type}`,
    type,
    subject: config.pointCode,
    title: `${config.source} ${work}: ${TITLES[type]}`,
    text: `${config.source} configuration ${config.id} (${work}), slot ${slot}: ${reason}`,
    data: { configId: config.id, source: config.source, work, slot, reason },
  });
}
