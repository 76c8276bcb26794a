import { isNullable, PG_TYPE, type TableDeclaration } from './registry';

/** A column as `information_schema.columns` describes it (`format_type` spelling of the type). */
export interface TargetColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/**
 * `etl:setup validate`: a target table in PostgreSQL against its declaration — every declared
 * column with its type and nullability, and the primary key. Returns the differences.
 */
export function compareTargetSchema(
  table: TableDeclaration,
  columns: readonly TargetColumn[],
  primaryKey: readonly string[],
): string[] {
  if (columns.length === 0) return [`table ${table.name} does not exist`];
  const problems: string[] = [];
  const byName = new Map(columns.map((column) => [column.name, column]));
  for (const column of table.columns) {
    const found = byName.get(column.name);
    if (!found) {
      problems.push(`${table.name}.${column.name} is missing`);
      continue;
    }
    if (found.type !== PG_TYPE[column.type]) {
      problems.push(`${table.name}.${column.name} is ${found.type}, declared ${PG_TYPE[column.type]}`);
    }
    if (found.nullable !== isNullable(table, column)) {
      problems.push(`${table.name}.${column.name} is ${found.nullable ? '' : 'NOT '}NULL, declared otherwise`);
    }
  }
  if (primaryKey.join(',') !== table.key.join(',')) {
    problems.push(`${table.name} primary key is (${primaryKey.join(', ')}), declared (${table.key.join(', ')})`);
  }
  return problems;
}
