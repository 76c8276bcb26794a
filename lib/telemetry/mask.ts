/**
 * Masks provider secrets in text bound for an error, a log line, a heartbeat or a table
 * (`telemetry_point_health.last_error`): the token a URL path carries (thethings.io's
 * `/things/<thing token>`, ThingsBoard's `/DEVICE/<device token>`), bearer tokens, JWTs, secret-looking
 * query parameters, and any value the caller knows to be secret (a point's credentials).
 */

const REDACTED = '[redacted]';
const TOKEN_PATH = /(\/(?:things|device|devices)\/)[^/?#\s"']+/gi;
const BEARER = /(\bBearer\s+)[^\s"',;]+/gi;
const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g;
const SECRET_QUERY = /([?&](?:token|access_token|api_key|apikey|key|password|secret|auth)=)[^&#\s"']+/gi;

export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let masked = text;
  // Longest first, so a secret that contains another is masked whole; short values would mask ordinary words.
  for (const secret of [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) masked = masked.split(form).join(REDACTED);
  }
  return masked
    .replace(TOKEN_PATH, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** The string values of a credentials entry (its base URL excepted): every one of them is secret. */
export function secretValuesOf(credentials: unknown): string[] {
  if (typeof credentials !== 'object' || credentials === null) return [];
  return Object.entries(credentials)
    .filter(([key, value]) => key !== 'baseUrl' && typeof value === 'string')
    .map(([, value]) => value as string);
}
