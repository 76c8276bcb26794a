/**
 * The regulators' number formats. Rounding is half-up on the decimal value as written, so
 * 1.005 l/s is "1.01" (plain `toFixed` rounds the binary double, giving "1.00").
 */
export function twoDecimals(value: number): string {
  const hundredths = Math.round(Number((value * 100).toPrecision(12)));
  return (hundredths / 100).toFixed(2);
}

/** A totalizer reading as the DGA's integer string (m³), or undefined past its 15 characters. */
export function totalizerString(value: number): string | undefined {
  const text = Math.round(value).toFixed(0);
  return text.length <= 15 && /^\d+$/.test(text) ? text : undefined;
}

/** A level in metres as the DGA's surface `alturaLimnimetrica`: whole centimetres. */
export function centimetres(metres: number): string {
  return Math.round(Number((metres * 100).toPrecision(12))).toFixed(0);
}
