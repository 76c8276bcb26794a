/**
 * A metric formula: one SQL statement over the source tables producing the rows of
 * `metricas_calculadas` for one period. Statements name their parameters `:inicio`, `:fin`,
 * `:previo_inicio` (weekly) and `:tz`, bound by `bindNamed`.
 */
export interface MetricFormula {
  /** What each `nombre` it writes means; a re-run replaces the period's rows of these names. */
  outputs: Record<string, MetricOutput>;
  /** `SELECT nombre, valor, dimensiones` (text, float8, jsonb): one row per value. */
  sql: string;
}

export interface MetricOutput {
  /** `metricas_calculadas.tipo`, at most 20 characters. */
  tipo: string;
  /** `metricas_calculadas.unidad`, at most 20 characters. */
  unidad: string;
  descripcion: string;
}

export interface FormulaParameters {
  inicio: string;
  fin: string;
  previo_inicio?: string;
  tz: string;
}

const PLACEHOLDER = /:(inicio|fin|previo_inicio|tz)\b/g;
const TYPES: Record<keyof FormulaParameters, string> = {
  inicio: 'timestamptz',
  fin: 'timestamptz',
  previo_inicio: 'timestamptz',
  tz: 'text',
};

/**
 * Replaces `:name` placeholders with typed `$n` parameters, numbering only the names the
 * statement uses (PostgreSQL cannot type a parameter that appears nowhere). The values reach
 * the planner as constants of a one-shot plan, so range conditions use the indexes.
 */
export function bindNamed(sql: string, parameters: FormulaParameters): { text: string; values: unknown[] } {
  const names: (keyof FormulaParameters)[] = [];
  const text = sql.replace(PLACEHOLDER, (_match, name: keyof FormulaParameters) => {
    if (!names.includes(name)) names.push(name);
    return `$${names.indexOf(name) + 1}::${TYPES[name]}`;
  });
  const values = names.map((name) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`formula parameter :${name} has no value`);
    return value;
  });
  return { text, values };
}
