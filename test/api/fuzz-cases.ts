/**
 * The hostile requests of the fuzz test, generated from an OpenAPI document alone: every
 * operation the document lists gets them, so a route is covered by being defined. Pure and
 * deterministic: the same document and seed give the same cases.
 */

import { hostileTimesFor } from './fuzz-times';

export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  example?: unknown;
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. `/api/v1/runs/{workflowId}`. */
  path: string;
  parameters: { name: string; in: 'path' | 'query'; required?: boolean; schema: JsonSchema }[];
  /** The JSON body's schema, when the operation documents one. */
  body?: JsonSchema;
  /** Needs a key (`security` is not empty). */
  protected: boolean;
  /** Needs an operator key (documents a 403). */
  operator: boolean;
}

export type Key = 'operator' | 'viewer' | 'unknown' | 'none';

export interface FuzzCase {
  operation: string;
  label: string;
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  url: string;
  key: Key;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The status the answer must have, when the case fixes it. */
  status?: number;
  /** A field the problem's `errors` must name (e.g. `query.limit`). */
  field?: string;
  /** `time`: a hostile date, date-time or cursor (`test/api/fuzz-times.ts`). */
  kind?: 'time';
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Operation['parameters'];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        security?: unknown[];
        responses: Record<string, unknown>;
      }
    >
  >;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.['application/json']?.schema,
      protected: (operation.security ?? []).length > 0,
      operator: '403' in operation.responses,
    })),
  );
}

/** mulberry32: a small seeded generator, so a failing case can be found again. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  ...'azAZ09_-./:%&=#?+ ',
  "'",
  '"',
  '\\',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  '💥',
  '\u202e',
  '\ufeff',
];

function randomText(random: () => number, maxLength: number): string {
  const length = 1 + Math.floor(random() * maxLength);
  return Array.from({ length }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
}

/** Values no schema here accepts for a number, and junk for everything else. */
const JUNK = [
  '',
  ' ',
  'abc',
  '0x10',
  '1e2',
  '+5',
  ' 5',
  '5.0',
  '-1',
  '0',
  '9'.repeat(40),
  // Just past PostgreSQL's integer, JavaScript's safe integer and PostgreSQL's bigint.
  '2147483648',
  '9007199254740993',
  '9223372036854775808',
  'x'.repeat(8000),
  "' OR 1=1 --",
  '../../etc/passwd',
  '\u0000',
  'null',
  'true',
  '[]',
  '{}',
  '2026-02-30',
  '0001-01-01',
  '1999-12-31',
  '9999-12-31',
  '2026-1-1',
  '💥',
];

/** Values derived from a schema that it must refuse: just past each bound, just off each enum value. */
function outOfRange(schema: JsonSchema): string[] {
  const values: string[] = [];
  if (schema.minimum !== undefined) values.push(String(schema.minimum - 1));
  if (schema.maximum !== undefined) values.push(String(schema.maximum + 1));
  if (schema.maxLength !== undefined) values.push('a'.repeat(schema.maxLength + 1));
  for (const value of schema.enum ?? []) values.push(`${String(value)}x`, String(value).toUpperCase() + '!');
  return values;
}

/**
 * Whether `schema` refuses `value` for certain. `false` only where the schema says everything (an
 * enum, an integer); `undefined` when a refinement the document cannot state might still refuse it.
 */
export function refuses(schema: JsonSchema, value: string): boolean | undefined {
  if (schema.enum) return !schema.enum.includes(value);
  if (schema.type === 'integer') {
    if (!/^-?[0-9]+$/.test(value)) return true;
    const number = Number(value);
    return (
      (schema.minimum !== undefined && number < schema.minimum) ||
      (schema.maximum !== undefined && number > schema.maximum)
    );
  }
  if (schema.type === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) return true;
    if (schema.maxLength !== undefined && length > schema.maxLength) return true;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return true;
  }
  return undefined;
}

/** Malformed percent-encodings: a lone `%`, non-hex digits, truncated and overlong UTF-8, a surrogate. */
export const BAD_ESCAPES = ['%', '%zz', 'a%', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF'];

export interface FuzzOptions {
  seed: number;
  /** Request bodies larger than the API's limit get `413`. */
  oversizedBody: number;
  /** Random values per field, on top of the fixed ones. */
  randomPerField: number;
}

/**
 * Every case for one operation. A case that is not a GET always carries an unknown query
 * parameter: it is refused (400) whatever else it holds, so no hostile request can start or
 * cancel a run; the fuzzed field must be named among the errors all the same.
 */
export function casesFor(operation: Operation, options: FuzzOptions): FuzzCase[] {
  const random = seededRandom(options.seed ^ hash(`${operation.method} ${operation.path}`));
  const reads = operation.method === 'GET';
  const name = `${operation.method} ${operation.path}`;
  const guard = reads ? [] : ['fuzz_guard=1'];
  const baseline = Object.fromEntries(
    operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, benignPathValue(p.schema, reads)]),
  );
  const build = (pathValues: Record<string, string> = {}, query: string[] = []) => {
    const path = operation.path.replace(/\{(\w+)\}/g, (_all, param: string) => pathValues[param] ?? baseline[param]!);
    const search = [...query, ...guard];
    return search.length > 0 ? `${path}?${search.join('&')}` : path;
  };
  const cases: FuzzCase[] = [];
  const add: AddCase = (label, fields) => {
    cases.push({ operation: name, label, method: operation.method, key: 'operator', headers: {}, ...fields });
  };
  const refusedStatus = reads ? undefined : 400;

  if (operation.protected) {
    add('no key', { url: build(), key: 'none', status: 401 });
    add('an unknown key', { url: build(), key: 'unknown', status: 401 });
  }
  if (operation.operator) add('a viewer key on an operator route', { url: build(), key: 'viewer', status: 403 });
  add('an unknown query parameter', { url: build({}, ['fuzz_unknown=1']), status: 400, field: 'query.fuzz_unknown' });
  add('an oversized unknown query parameter', {
    url: build({}, [`fuzz_unknown=${'x'.repeat(8000)}`]),
    status: 400,
    field: 'query.fuzz_unknown',
  });
  add('a malformed escape in a query parameter name', { url: build({}, ['%zz=1']), status: 400 });

  for (const param of operation.parameters) {
    const times = hostileTimesFor(param.schema);
    const values = [...JUNK, ...outOfRange(param.schema), ...times];
    for (let i = 0; i < options.randomPerField; i++) values.push(randomText(random, 40));
    const field = `${param.in === 'path' ? 'params' : 'query'}.${param.name}`;
    for (const value of values) {
      // An empty path segment or a dot segment is another route, not this parameter.
      if (param.in === 'path' && /^\.{0,2}$/.test(value)) continue;
      const refused = refuses(param.schema, value);
      const encoded = encodeURIComponent(value);
      const url = param.in === 'path' ? build({ [param.name]: encoded }) : build({}, [`${param.name}=${encoded}`]);
      add(`${field} = ${JSON.stringify(value.slice(0, 40))}`, {
        url,
        ...(refused ? { status: 400, field } : { status: refusedStatus }),
        ...(times.includes(value) ? { kind: 'time' as const } : {}),
      });
    }
    if (param.in === 'path') {
      for (const escape of BAD_ESCAPES)
        add(`${field} = raw ${escape}`, { url: build({ [param.name]: escape }), status: 400 });
    } else {
      for (const escape of BAD_ESCAPES)
        add(`${field} = raw ${escape}`, { url: build({}, [`${param.name}=${escape}`]), status: refusedStatus });
      add(`${field} repeated`, { url: build({}, [`${param.name}=1`, `${param.name}=2`]), status: 400, field });
    }
  }

  if (!reads) addBodyCases(operation, options, random, build(), add);
  return cases;
}

type AddCase = (
  label: string,
  fields: Omit<FuzzCase, 'operation' | 'label' | 'method' | 'key' | 'headers'> &
    Partial<Pick<FuzzCase, 'key' | 'headers'>>,
) => void;

/** Bodies of every kind a client can get wrong; the guard parameter makes each a 400 at least. */
function addBodyCases(operation: Operation, options: FuzzOptions, random: () => number, url: string, add: AddCase) {
  const json = { 'content-type': 'application/json' };
  const huge = JSON.stringify({ note: 'x'.repeat(options.oversizedBody) });
  if (operation.protected) {
    // The key is checked before the body is read: 401, not 413 or 400.
    add('no key, an oversized body', { url, key: 'none', headers: json, body: huge, status: 401 });
    add('no key, a body that is not JSON', { url, key: 'none', headers: json, body: '{"a": ', status: 401 });
  }
  if (operation.operator)
    add('a viewer key, an oversized body', { url, key: 'viewer', headers: json, body: huge, status: 403 });
  add('an oversized body', { url, headers: json, body: huge, status: 413 });

  for (const body of ['{"a": ', '{', 'nul', "{'a':1}", '{"a":1}}', '\u0000']) {
    add(`a body that is not JSON: ${JSON.stringify(body)}`, { url, headers: json, body, status: 400 });
  }
  const nested = '['.repeat(5000) + ']'.repeat(5000);
  for (const body of ['null', '"text"', '123', '[]', '[{}]', nested, Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
    const label = typeof body === 'string' ? body.slice(0, 20) : 'invalid UTF-8';
    add(`a JSON body that is not an object: ${JSON.stringify(label)}`, { url, headers: json, body, status: 400 });
  }
  add('an unknown body field', { url, headers: json, body: '{"fuzz_field":1}', status: 400, field: 'body.fuzz_field' });
  for (const encoding of ['gzip', 'deflate', 'br']) {
    add(`Content-Encoding: ${encoding} on a plain body`, {
      url,
      headers: { ...json, 'content-encoding': encoding },
      body: '{"note":"plain"}',
      status: 400,
    });
  }
  for (const encoding of ['compress', 'x-fuzz', 'gzip, gzip']) {
    add(`Content-Encoding: ${encoding}`, {
      url,
      headers: { ...json, 'content-encoding': encoding },
      body: '{}',
      status: 415,
    });
  }
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
    add(`Content-Type: ${type}`, { url, headers: { 'content-type': type }, body: 'note=x', status: 415 });
  }

  for (const [property, schema] of Object.entries(operation.body?.properties ?? {})) {
    const values: unknown[] = [123, -1.5, true, null, [], {}, ['a'], { a: 1 }, 'x'.repeat(5000), ...JUNK];
    const times: unknown[] = [...hostileTimesFor(schema)];
    values.push(...outOfRange(schema), ...times);
    for (let i = 0; i < options.randomPerField; i++) values.push(randomText(random, 40));
    for (const value of values) {
      const body = JSON.stringify({ [property]: value });
      const field = refusesJson(schema, value) ? { field: `body.${property}` } : {};
      const kind = times.includes(value) ? { kind: 'time' as const } : {};
      add(`body.${property} = ${body.slice(0, 50)}`, { url, headers: json, body, status: 400, ...field, ...kind });
    }
  }
}

/** `refuses` for a JSON value: a string schema refuses every value that is not a string. */
function refusesJson(schema: JsonSchema, value: unknown): boolean | undefined {
  const types = schema.anyOf ? schema.anyOf.map((option) => option.type) : [schema.type];
  if (typeof value !== 'string') return types.every((type) => type === 'string') || undefined;
  return schema.anyOf ? undefined : refuses(schema, value);
}

/** A path value the parameter's schema accepts where that is harmless (reads), refuses otherwise. */
function benignPathValue(schema: JsonSchema, reads: boolean): string {
  const first = schema.enum?.[0];
  if (first !== undefined) return encodeURIComponent(reads ? String(first) : `${String(first)}-fuzz`);
  return encodeURIComponent('fuzz-no-such-id');
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
