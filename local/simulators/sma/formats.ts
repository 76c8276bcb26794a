import { z } from 'zod';

/**
 * The SMA REST API's request formats: the login, and the `registros` array of
 * devices, each with all parameters of one timestamp.
 */
export interface SmaParameter {
  nombre: string;
  unidad: string;
}

export const authBody = z.strictObject({ usuario: z.string().min(1), password: z.string().min(1) });

export const registrosBody = z
  .array(
    z.strictObject({
      dispositivoId: z.string().min(1),
      parametros: z
        .array(z.strictObject({ nombre: z.string(), valor: z.string(), unidad: z.string(), estampaTiempo: z.string() }))
        .min(1),
    }),
  )
  .min(1);

export type Registros = z.infer<typeof registrosBody>;

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):00$/;
const VALOR = /^-?\d{1,15}(\.\d{1,6})?$/;

/** The minute of a well-formed `YYYY-MM-DDTHH:mm:00` stamp, or null. */
export function stampMinute(stamp: string): number | null {
  const match = STAMP.exec(stamp);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return Number(match[5]);
}

/** Why one device's parameters are not exactly its registered set, in their units and formats; or null. */
export function parametersProblem(
  dispositivoId: string,
  sent: Registros[number]['parametros'],
  expected: readonly SmaParameter[],
): string | null {
  const names = sent.map((p) => p.nombre);
  const wanted = expected.map((p) => p.nombre);
  if (new Set(names).size !== names.length || names.length !== wanted.length || !wanted.every((n) => names.includes(n)))
    return `dispositivo ${dispositivoId}: se esperan exactamente los parámetros ${wanted.join(', ')} (recibidos: ${names.join(', ')})`;
  for (const parameter of sent) {
    const unit = expected.find((p) => p.nombre === parameter.nombre)!.unidad;
    if (parameter.unidad !== unit)
      return `dispositivo ${dispositivoId}: unidad de ${parameter.nombre} debe ser ${unit} (recibida: ${parameter.unidad})`;
    if (!VALOR.test(parameter.valor))
      return `dispositivo ${dispositivoId}: valor de ${parameter.nombre} no es un número decimal`;
    if (stampMinute(parameter.estampaTiempo) === null)
      return `dispositivo ${dispositivoId}: estampaTiempo debe ser YYYY-MM-DDTHH:mm:00`;
  }
  return null;
}
