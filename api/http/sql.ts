/** Small SQL helpers the families' routes share; identifiers come from code, values are `$n` parameters. */

/** PostgreSQL's unique (23505) and foreign-key (23503) violations, which a concurrent request can still cause. */
export const isViolation = (error: unknown, code: '23505' | '23503') => (error as { code?: string }).code === code;

/**
 * A PATCH's `SET` list from the columns it names (undefined = unchanged), its parameters numbered
 * after the `firstParam - 1` the statement already uses.
 */
export function setClause(columns: Record<string, unknown>, firstParam: number): { sql: string; values: unknown[] } {
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  return {
    sql: set.map(([column], i) => `${column} = $${i + firstParam}`).join(', '),
    values: set.map(([, value]) => value),
  };
}
