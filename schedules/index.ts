import type { Config } from '../lib/config';
import { msToNumber } from '@temporalio/common/lib/time';
import { BACKFILL_LAG_MS } from '../lib/families';
import { complianceSchedules } from './compliance';
import { cvSchedules } from './cv';
import { etlSchedules } from './etl';
import { metricsSchedules } from './metrics';
import { platformSchedules } from './platform';
import { telemetrySchedules } from './telemetry';
import type { AnyScheduleDeclaration, ScheduleContext } from './types';

export type { AnyScheduleDeclaration, ScheduleContext, ScheduleDeclaration } from './types';

/** The schedule context a process derives from its configuration. */
export function scheduleContext(config: Config): ScheduleContext {
  return { timeZone: config.timeZone, cvIntervalMinutes: config.cv.scheduleMinutes };
}

/** Every declared schedule. Each family adds its own list here. */
export function declareSchedules(context: ScheduleContext): AnyScheduleDeclaration[] {
  const declarations: AnyScheduleDeclaration[] = [
    ...platformSchedules(context),
    ...metricsSchedules(context),
    ...cvSchedules(context),
    ...etlSchedules(context),
    ...telemetrySchedules(context),
    ...complianceSchedules(context),
  ];
  const ids = declarations.map((declaration) => declaration.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new Error(`schedule id "${duplicate}" is declared twice`);
  for (const declaration of declarations) {
    // Workflows tag a run that starts later than this after its scheduled time as a backfill.
    if (msToNumber(declaration.catchupWindow) >= BACKFILL_LAG_MS) {
      throw new Error(
        `schedule "${declaration.id}": catch-up window must be under ${BACKFILL_LAG_MS / 60_000} minutes`,
      );
    }
  }
  return declarations;
}
