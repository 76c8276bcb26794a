import { readFileSync, statSync } from 'node:fs';
import { MissingConfigurationError } from '../lib/errors';

/**
 * Credentials by reference, shared by every family that calls out with a secret (telemetry points,
 * compliance works, notification webhooks): `CREDENTIALS_FILE` is a JSON object mapping a reference
 * name to a secret (`{baseUrl, username, password}`, `{baseUrl, token}`, a webhook's `{secret}`…).
 * Rows store only the name; only activities resolve it, so no secret enters a table or a workflow
 * history. The file is re-read when it changes (rotation without a restart) and refused unless mode 600.
 */
export interface CredentialsStore {
  resolve(reference: string): unknown;
}

export function createCredentialsStore(file: string | undefined): CredentialsStore {
  let cached: { mtimeMs: number; entries: Record<string, unknown> } | undefined;
  return {
    resolve(reference) {
      if (!file) throw new MissingConfigurationError('CREDENTIALS_FILE is not set');
      let stat;
      try {
        stat = statSync(file);
      } catch {
        throw new MissingConfigurationError(`CREDENTIALS_FILE ${file} cannot be read`);
      }
      if ((stat.mode & 0o077) !== 0)
        throw new MissingConfigurationError(`CREDENTIALS_FILE ${file} must be readable by its owner only (mode 600)`);
      if (!cached || cached.mtimeMs !== stat.mtimeMs) {
        let entries: unknown;
        try {
          entries = JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          throw new MissingConfigurationError(`CREDENTIALS_FILE ${file} is not JSON`);
        }
        if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
          throw new MissingConfigurationError(`CREDENTIALS_FILE ${file} must be a JSON object of references`);
        cached = { mtimeMs: stat.mtimeMs, entries: entries as Record<string, unknown> };
      }
      const entry = cached.entries[reference];
      if (entry === undefined)
        throw new MissingConfigurationError(`no credentials named "${reference}" in CREDENTIALS_FILE`);
      return entry;
    },
  };
}
