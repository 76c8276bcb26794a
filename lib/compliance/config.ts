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
 * The fields a credentials entry needs for each regulator: the DGA's body carries the control
 * centre's RUT, the informant's RUT and password; the SMA authenticates with a RUT and password.
 */
const CREDENTIAL_FIELDS: Record<Source, { ruts: readonly string[]; secrets: readonly string[] }> = {
  DGA: { ruts: ['rutEmpresa', 'rutUsuario'], secrets: ['password'] },
  SMA: { ruts: ['usuario'], secrets: ['password'] },
};

/**
 * What is wrong with a credentials entry for a source, naming the fields but never their values:
 * the API checks a configuration's reference with it before storing the configuration.
 */
export function credentialProblems(source: Source, entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return ['is not an object'];
  const values = entry as Record<string, unknown>;
  const { ruts, secrets } = CREDENTIAL_FIELDS[source];
  const problems: string[] = [];
  for (const field of ruts) {
    const problem = rutProblem(values[field]);
    if (problem) problems.push(`${field} ${problem}`);
  }
  for (const field of secrets)
    if (typeof values[field] !== 'string' || values[field] === '') problems.push(`${field} is missing`);
  return problems;
}
