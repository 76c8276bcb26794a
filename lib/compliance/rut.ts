/**
 * Chilean identifiers the regulators check. A RUT (Rol Único Tributario) is written
 * `12345678-5`: a number and a check digit (`0`–`9` or `K`) computed modulo 11 over the
 * number's digits, right to left, with weights 2…7 repeating. A DGA work code
 * (`codigoObra`) is `OB-0602-7`: OB (captación) or OR (restitución), region and province,
 * and a number, as the DGA expects it.
 */

export const RUT_PATTERN = /^(\d{1,8})-([\dK])$/;
export const CODIGO_OBRA_PATTERN = /^O[BR]-\d{4}-\d+$/;

/** The check digit of a RUT's number. */
export function rutCheckDigit(number: string): string {
  let sum = 0;
  let weight = 2;
  for (let i = number.length - 1; i >= 0; i -= 1) {
    sum += Number(number[i]) * weight;
    weight = weight === 7 ? 2 : weight + 1;
  }
  const digit = 11 - (sum % 11);
  return digit === 11 ? '0' : digit === 10 ? 'K' : String(digit);
}

/** Written `number-digit` (no dots, upper-case K) with the right check digit. */
export function isValidRut(value: string): boolean {
  const match = RUT_PATTERN.exec(value);
  return match !== null && rutCheckDigit(match[1]!) === match[2];
}

/** What is wrong with a RUT, without repeating it (it may come from a credentials file). */
export function rutProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is missing';
  if (!RUT_PATTERN.test(value)) return 'must be written like 12345678-5 (no dots, check digit 0-9 or K)';
  if (!isValidRut(value)) return 'has a wrong check digit';
  return undefined;
}
