/**
 * A PATCH's `SET` list from the columns it names (undefined = unchanged), its parameters numbered
 * after the `firstParam - 1` the statement already uses. Column names come from code, never a request.
 */
export function setClause(columns: Record<string, unknown>, firstParam: number): { sql: string; values: unknown[] } {
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  return {
    sql: set.map(([column], i) => `${column} = $${i + firstParam}`).join(', '),
    values: set.map(([, value]) => value),
  };
}
