import type { BigQueryType, TableDeclaration } from './registry';

/**
 * Schema drift: the BigQuery table's schema against its declaration, before anything is read.
 * A missing column, a changed type or a changed key are fatal (`SchemaMismatch`); a column that
 * upstream added is reported and ignored (the extraction selects the declared columns only).
 */

/** A field of `tables.get`'s schema (legacy type names included). */
export interface UpstreamField {
  name: string;
  type: string;
  mode?: string;
}

export interface DriftReport {
  /** Fatal differences, one sentence each. */
  problems: string[];
  /** Columns upstream has and the registry does not. */
  added: string[];
}

const LEGACY: Record<string, BigQueryType> = {
  INTEGER: 'INT64',
  INT64: 'INT64',
  FLOAT: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  STRING: 'STRING',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

export function normalizeType(type: string): string {
  return LEGACY[type.toUpperCase()] ?? type.toUpperCase();
}

/**
 * `upstreamKey`: the table's declared primary key upstream (`tableConstraints.primaryKey`), when
 * it has one; a table without one is checked by its columns only (BigQuery keys are optional and
 * unenforced). The emulator keeps and reports the constraint too (test/etl/load.test.ts).
 */
export function compareSchema(
  table: TableDeclaration,
  fields: readonly UpstreamField[],
  upstreamKey?: readonly string[],
): DriftReport {
  const problems: string[] = [];
  const byName = new Map(fields.map((field) => [field.name.toLowerCase(), field]));
  for (const column of table.columns) {
    const field = byName.get(column.name.toLowerCase());
    if (!field) {
      problems.push(`column ${column.name} is missing upstream`);
      continue;
    }
    const type = normalizeType(field.type);
    if (type !== column.type) problems.push(`column ${column.name} is ${type} upstream, declared ${column.type}`);
    if ((field.mode ?? 'NULLABLE').toUpperCase() === 'REPEATED')
      problems.push(`column ${column.name} is REPEATED upstream`);
  }
  // A key is a set of columns (the order of a primary key changes no row's identity).
  const sameKey = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((name) => b.some((other) => other.toLowerCase() === name.toLowerCase()));
  if (upstreamKey && upstreamKey.length > 0 && !sameKey(upstreamKey, table.key)) {
    problems.push(`key is (${upstreamKey.join(', ')}) upstream, declared (${table.key.join(', ')})`);
  }
  const declared = new Set(table.columns.map((column) => column.name.toLowerCase()));
  const added = fields.filter((field) => !declared.has(field.name.toLowerCase())).map((field) => field.name);
  return { problems, added };
}
