import { platformSchedules } from './platform';
import type { ScheduleContext, ScheduleDeclaration } from './types';

export type { ScheduleContext, ScheduleDeclaration } from './types';

/** Every declared schedule. Each family adds its own list here. */
export function declareSchedules(context: ScheduleContext): ScheduleDeclaration[] {
  const declarations = [...platformSchedules(context)];
  const ids = declarations.map((declaration) => declaration.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new Error(`schedule id "${duplicate}" is declared twice`);
  return declarations;
}
