import { isNullable, type BigQueryType, type TableDeclaration } from './registry';

/**
 * BigQuery rows, as the REST API sends them (`skipParsing`: every value a string or null, INT64
 * and NUMERIC as decimal text, TIMESTAMP as int64 microseconds), into PostgreSQL COPY text lines.
 * No value goes through a JavaScript number: INT64 beyond 2^53 and 38-digit NUMERICs stay exact,
 * TIMESTAMPs keep their microseconds, DATEs are written as the calendar day they name.
 */

/** A row in the REST shape: `{ f: [{ v }] }`, in the order of the query's columns. */
export interface RawRow {
  f: { v: unknown }[];
}

export class ValueError extends Error {
  override readonly name = 'ValueError';
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal string in plain notation (no exponent), exactly: `1.5E+3` → `1500`. */
export function plainDecimal(text: string): string {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new ValueError(`not a decimal: ${text}`);
  const [, sign = '', intPart = '', fracPart = '', exp = '0'] = match;
  let digits = intPart + fracPart;
  let point = intPart.length + Number(exp);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const frac = digits.slice(point).replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return sign === '-' && /[1-9]/.test(body) ? `-${body}` : body;
}

/** Microseconds since the epoch (int64 text) as an ISO instant with six decimals, in UTC. */
export function microsToIso(micros: string): string {
  const value = BigInt(micros);
  const million = 1_000_000n;
  let seconds = value / million;
  let fraction = value % million;
  if (fraction < 0n) {
    fraction += million;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(6, '0')}Z`;
}

/** A TIMESTAMP as the API may send it: int64 microseconds, float seconds (`1.7E9`) or ISO text. */
export function timestampText(value: string): string {
  if (INTEGER.test(value)) return microsToIso(value);
  if (DECIMAL.test(value)) {
    const [int, frac = ''] = plainDecimal(value).split('.');
    return microsToIso(`${int}${frac.padEnd(6, '0').slice(0, 6)}`.replace(/^(-?)0+(?=\d)/, '$1'));
  }
  if (!Number.isNaN(Date.parse(value))) return value;
  throw new ValueError(`not a timestamp: ${value}`);
}

/** One value as PostgreSQL text input, or null. Throws ValueError for what is not of its type. */
export function valueText(type: BigQueryType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (type) {
    case 'INT64':
      if (!INTEGER.test(text)) throw new ValueError(`not an INT64: ${text}`);
      return text;
    case 'NUMERIC':
      return plainDecimal(text);
    case 'FLOAT64':
      if (!/^(NaN|-?Infinity)$/.test(text) && !DECIMAL.test(text)) throw new ValueError(`not a FLOAT64: ${text}`);
      return text;
    case 'BOOL':
      if (text !== 'true' && text !== 'false') throw new ValueError(`not a BOOL: ${text}`);
      return text;
    case 'DATE':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new ValueError(`not a DATE: ${text}`);
      return text;
    case 'TIMESTAMP':
      return timestampText(text);
    case 'STRING':
      return text;
  }
}

/** COPY text format: backslash, tab, newline and carriage return escaped; `\N` is NULL. */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export type EncodedRow =
  { ok: true; values: (string | null)[] } | { ok: false; reason: string; raw: Record<string, unknown> };

/** One COPY text line of encoded values. */
export function copyLine(values: readonly (string | null)[]): string {
  return `${values.map(copyField).join('\t')}\n`;
}

/**
 * A row as the PostgreSQL text of the table's columns (registry order), or a reject: a null key,
 * a null in a required column, or a value that is not of its declared type. The raw values
 * travel with the reject for inspection.
 */
export function encodeRow(table: TableDeclaration, row: RawRow): EncodedRow {
  const raw = Object.fromEntries(table.columns.map((column, i) => [column.name, row.f[i]?.v ?? null]));
  const nullKeys = table.key.filter((name) => raw[name] === null);
  if (nullKeys.length > 0) return { ok: false, reason: `null key: ${nullKeys.join(', ')}`, raw };
  const missing = table.columns.filter((column) => !isNullable(table, column) && raw[column.name] === null);
  if (missing.length > 0) {
    return { ok: false, reason: `null in required column: ${missing.map((c) => c.name).join(', ')}`, raw };
  }
  const values: (string | null)[] = [];
  for (const column of table.columns) {
    try {
      values.push(valueText(column.type, raw[column.name]));
    } catch (error) {
      return { ok: false, reason: `${column.name}: ${(error as Error).message}`, raw };
    }
  }
  return { ok: true, values };
}
