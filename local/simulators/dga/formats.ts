import { z } from 'zod';

/**
 * The DGA MEE wire formats: one submit/verify path per kind of work, the
 * body key and field set of each, and the string formats every value must have.
 */
export type DgaKind = 'groundwater' | 'surface-flowmeter' | 'surface';

export interface DgaKindSpec {
  kind: DgaKind;
  /** Submit (POST) and verify (GET) path under the simulator's mount. */
  path: string;
  /** The body's measurement block. */
  bodyKey: 'medicionSubterranea' | 'medicionSuperficialFlujometro' | 'medicionSuperficial';
  /** Measured values of the kind, besides fechaMedicion and horaMedicion. */
  fields: readonly DgaValueField[];
  acceptedMessage: string;
}

export type DgaValueField = 'caudal' | 'totalizador' | 'nivelFreaticoDelPozo' | 'alturaLimnimetrica';

export const DGA_KINDS: readonly DgaKindSpec[] = [
  {
    kind: 'groundwater',
    path: '/api/v1/mediciones/subterraneas',
    bodyKey: 'medicionSubterranea',
    fields: ['caudal', 'totalizador', 'nivelFreaticoDelPozo'],
    acceptedMessage: 'Medición subterránea ingresada correctamente',
  },
  {
    kind: 'surface-flowmeter',
    path: '/api/v1/mediciones/superficiales/flujometro',
    bodyKey: 'medicionSuperficialFlujometro',
    fields: ['caudal', 'totalizador'],
    acceptedMessage: 'Medición superficial con flujómetro ingresada correctamente',
  },
  {
    kind: 'surface',
    path: '/api/v1/mediciones/superficiales',
    bodyKey: 'medicionSuperficial',
    fields: ['caudal', 'alturaLimnimetrica'],
    acceptedMessage: 'Medición superficial ingresada correctamente',
  },
];

/** `OB` captación / `OR` restitución, region+province, number. */
export const CODIGO_OBRA = /^O[BR]-\d{4}-\d+$/;
/** The time of sending, e.g. `2025-07-04T10:00:00-0000`. */
const TIMESTAMP_ORIGEN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$/;

const validDate = (value: string) => {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

const VALUE_FORMATS: Record<DgaValueField, z.ZodString> = {
  caudal: z.string().regex(/^\d{1,12}\.\d{2}$/, 'caudal debe tener 2 decimales (l/s)'),
  totalizador: z.string().regex(/^\d{1,15}$/, 'totalizador debe ser un entero de hasta 15 caracteres (m3)'),
  // May be empty for the "Caudales Muy Pequeños" standard.
  nivelFreaticoDelPozo: z.string().regex(/^(\d{1,6}\.\d{2})?$/, 'nivelFreaticoDelPozo debe tener 2 decimales (m)'),
  alturaLimnimetrica: z.string().regex(/^\d{1,9}$/, 'alturaLimnimetrica debe ser un entero (cm)'),
};

const fechaMedicion = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'fechaMedicion debe ser YYYY-MM-DD')
  .refine(validDate, 'fechaMedicion no es una fecha válida');
const horaMedicion = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'horaMedicion debe ser HH:mm:ss');

const autenticacion = z.strictObject({
  password: z.string().min(1, 'password requerido'),
  rutEmpresa: z.string().min(1, 'rutEmpresa requerido'),
  rutUsuario: z.string().min(1, 'rutUsuario requerido'),
});

export interface DgaSubmission {
  autenticacion: z.infer<typeof autenticacion>;
  fechaMedicion: string;
  horaMedicion: string;
  /** The kind's measured values, as sent. */
  values: Record<string, string>;
}

/** Strict per kind: exactly `autenticacion` and the kind's block, every value a string in its format. */
export function parseSubmission(spec: DgaKindSpec, body: unknown): DgaSubmission | { problem: string } {
  const values = Object.fromEntries(spec.fields.map((field) => [field, VALUE_FORMATS[field]]));
  const block = z.strictObject({ fechaMedicion, horaMedicion, ...values });
  const parsed = z.strictObject({ autenticacion, [spec.bodyKey]: block }).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'cuerpo inválido' };
  }
  const { fechaMedicion: fecha, horaMedicion: hora, ...measured } = parsed.data[spec.bodyKey] as Record<string, string>;
  return {
    autenticacion: parsed.data.autenticacion as z.infer<typeof autenticacion>,
    fechaMedicion: fecha!,
    horaMedicion: hora!,
    values: measured,
  };
}

/** The reason the headers are unusable, or null. */
export function headerProblem(headers: Record<string, string | string[] | undefined>): string | null {
  const obra = headers['codigoobra'];
  if (typeof obra !== 'string' || !CODIGO_OBRA.test(obra)) return 'header codigoObra ausente o inválido';
  const origin = headers['timestamporigen'];
  if (typeof origin !== 'string' || !TIMESTAMP_ORIGEN.test(origin)) return 'header timeStampOrigen ausente o inválido';
  return null;
}

const UTC_MINUS_4_MS = 4 * 3_600_000;

/** Epoch ms of a measurement's fecha/hora, read at the fixed UTC−4 offset (no daylight saving). */
export function measuredAtMs(fechaMedicion: string, horaMedicion: string): number {
  return Date.parse(`${fechaMedicion}T${horaMedicion}Z`) + UTC_MINUS_4_MS;
}

/** `YYYY-MM-DD` → the `DD-MM-YYYY` the verify GET answers with. */
export function verifyDate(fechaMedicion: string): string {
  const [y, m, d] = fechaMedicion.split('-');
  return `${d}-${m}-${y}`;
}

/** The fecha/hora of a body whatever else is wrong with it, to log and police the attempt. */
export function looseMeasurement(body: unknown): { fechaMedicion: string; horaMedicion: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  for (const spec of DGA_KINDS) {
    const block = (body as Record<string, unknown>)[spec.bodyKey] as Record<string, unknown> | undefined;
    if (typeof block?.fechaMedicion === 'string' && typeof block.horaMedicion === 'string')
      return { fechaMedicion: block.fechaMedicion, horaMedicion: block.horaMedicion };
  }
  return null;
}
