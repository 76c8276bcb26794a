import { rutProblem } from './rut';

/**
 * What a compliance configuration is made of (schemas/0011_compliance.sql): a point reported to a
 * regulator under a standard, with the regulator's identifiers and credentials by reference.
 */

export const SOURCES = ['DGA', 'SMA'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * Res. DGA 1238/2019 standards, and the SMA's. MAYOR (hourly) and MEDIO (daily) are sent through the
 * API; MENOR and CAUDALES_MUY_PEQUENOS go through the regulator's web form, so they are listed as
 * manual and never sent.
 */
export const STANDARDS = ['MAYOR', 'MEDIO', 'MENOR', 'CAUDALES_MUY_PEQUENOS', 'SMA'] as const;
export type Standard = (typeof STANDARDS)[number];
export const DGA_STANDARDS = ['MAYOR', 'MEDIO', 'MENOR', 'CAUDALES_MUY_PEQUENOS'] as const;
export const MANUAL_STANDARDS: readonly Standard[] = ['MENOR', 'CAUDALES_MUY_PEQUENOS'];

/** The DGA's kinds of work, each with its own endpoint and body (contracts/dga-mee.md). */
export const WORK_KINDS = ['SUBTERRANEA', 'SUPERFICIAL_FLUJOMETRO', 'SUPERFICIAL'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

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
