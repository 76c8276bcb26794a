/**
 * A point's effective configuration (what `DynamicSchema.get_merged_config` did in the old service): its template
 * deep-merged with its own overrides. Pure, so the same inputs always give the same configuration
 * and the same version, and reprocessing with today's constants is reproducible.
 */

export const VARIABLES = ['flow', 'total', 'level'] as const;
export type Variable = (typeof VARIABLES)[number];
/** Derived from `level` and the sensor's installation depth. */
export type StoredVariable = Variable | 'depth';

export interface PulseConstants {
  /** `m³ = pulses × calibrationFactor / (pulsesPerLitre × 1000)` (pulses per litre) … */
  pulsesPerLitre?: number;
  /** … or `m³ = pulses × litresPerPulse × calibrationFactor / 1000` (litres per pulse). */
  litresPerPulse?: number;
  /** @default 1 */
  calibrationFactor?: number;
}

export interface VariableConfig {
  unit: string;
  min: number;
  max: number;
  /** The old service's names of the rules applied to this variable. */
  rules: string[];
  /** flow: alert at or below it; level: alert above it. */
  alertThreshold?: number | null;
  /** level: readings above it are sensor resets, rejected (LEVEL_MAX_RESET). */
  resetThreshold?: number | null;
  /** The provider reports pulses: converted to m³ with these constants. */
  pulse?: PulseConstants | null;
}

export interface PointConfig {
  variables: Record<Variable, VariableConfig>;
  /** A totalizer register that wraps at this value (unset: it never rolls over). */
  registerMax?: number | null;
  /** Jump guard: the fastest plausible totalizer increase. @default 500 */
  maxM3PerHour: number;
  /** A gap longer than this is a disconnection: the jump guard lets the catch-up through. @default 120 */
  reconnectionMinutes: number;
  /** Installation depth of the level sensor, in metres: `depth = installationDepth − level`. */
  installationDepth?: number | null;
  /** Flow vs total over an hour: relative mismatch tolerated. @default 0.2 */
  flowTotalTolerance: number;
  /** A level change over an hour larger than this with no total increase is inconsistent. @default 5 */
  levelChangeThreshold: number;
}

/** The defaults every template starts from (the old service's `TelemetryConfig`). */
export const DEFAULT_POINT_CONFIG: PointConfig = {
  variables: {
    flow: { unit: 'l/s', min: 0, max: 1000, rules: ['FLOW_TOTAL_CONSISTENCY'], alertThreshold: null },
    total: { unit: 'm3', min: 0, max: 999_999, rules: ['ZERO_TOTAL_RESET'] },
    level: {
      unit: 'm',
      min: 0,
      max: 100,
      rules: ['LEVEL_MAX_RESET', 'LEVEL_ACCUMULATED_CONSISTENCY'],
      alertThreshold: 90,
      resetThreshold: 95,
    },
  },
  registerMax: null,
  maxM3PerHour: 500,
  reconnectionMinutes: 120,
  installationDepth: null,
  flowTotalTolerance: 0.2,
  levelChangeThreshold: 5,
};

export type JsonObject = { [key: string]: unknown };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else (arrays included) in `override` replaces. */
export function deepMerge(base: JsonObject, override: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/** JSON with sorted keys: the same configuration always serialises the same way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a (64 bit) of the canonical JSON: a short, stable content version. */
export function configVersionOf(config: PointConfig): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(canonicalJson(config))) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `v-${hash.toString(16).padStart(16, '0')}`;
}

export interface EffectiveConfig {
  config: PointConfig;
  version: string;
}

/** Defaults, then the template, then the point's overrides. */
export function effectiveConfig(template: JsonObject | null, overrides: JsonObject): EffectiveConfig {
  const config = deepMerge(
    deepMerge(DEFAULT_POINT_CONFIG as unknown as JsonObject, template ?? {}),
    overrides,
  ) as unknown as PointConfig;
  return { config, version: configVersionOf(config) };
}
