import { z } from 'zod';
import { rutProblem } from './rut';
import type { Source } from './standards';

/**
 * What a compliance configuration is made of (schemas/0011_compliance.sql): a point reported to a
 * regulator under a standard, with the regulator's identifiers and credentials by reference.
 */

export const SOURCES = ['DGA', 'SMA'] as const satisfies readonly Source[];
export { MANUAL_STANDARDS, STANDARDS, WORK_KINDS, type Source, type Standard, type WorkKind } from './standards';

export const CONFIG_STATUSES = ['ACTIVE', 'INACTIVE', 'BLOCKED'] as const;
export type ConfigStatus = (typeof CONFIG_STATUSES)[number];

/**
 * A credentials entry of each regulator (by reference in CREDENTIALS_FILE): the DGA's body carries
 * the control centre's RUT, the informant's RUT and password; the SMA authenticates with a RUT and
 * password. The submit activity resolves entries with these; the API checks them before storing a
 * configuration, and the RUTs' check digits as well.
 */
export const CREDENTIAL_SCHEMAS = {
  DGA: z.object({ rutEmpresa: z.string().min(1), rutUsuario: z.string().min(1), password: z.string() }),
  SMA: z.object({ usuario: z.string().min(1), password: z.string() }),
} as const satisfies Record<Source, z.ZodObject>;
const RUT_FIELDS: Record<Source, readonly string[]> = { DGA: ['rutEmpresa', 'rutUsuario'], SMA: ['usuario'] };

/**
 * What is wrong with a credentials entry for a source, naming the fields but never their values:
 * the API checks a configuration's reference with it before storing the configuration.
 */
export function credentialProblems(source: Source, entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return ['is not an object'];
  const values = entry as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of Object.keys(CREDENTIAL_SCHEMAS[source].shape)) {
    if (RUT_FIELDS[source].includes(field)) {
      const problem = rutProblem(values[field]);
      if (problem) problems.push(`${field} ${problem}`);
    } else if (typeof values[field] !== 'string' || values[field] === '') problems.push(`${field} is missing`);
  }
  return problems;
}
