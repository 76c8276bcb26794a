import type { z } from 'zod';
import { CREDENTIAL_SCHEMAS } from '../../lib/compliance/config';
import type { CredentialsStore } from '../../platform/credentials';

/**
 * The regulators' credentials, resolved by reference from CREDENTIALS_FILE inside the activity:
 * DGA `{rutEmpresa, rutUsuario, password}` (the informant's password travels in every body),
 * SMA `{usuario, password}` (exchanged for a 24-hour token). Only the activity sees them.
 */
const { DGA: dgaCredentials, SMA: smaCredentials } = CREDENTIAL_SCHEMAS;

export type DgaCredentials = z.infer<typeof dgaCredentials>;
export type SmaCredentials = z.infer<typeof smaCredentials>;

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: string };

function resolveWith<T>(store: CredentialsStore, reference: string, schema: z.ZodType<T>): Resolved<T> {
  let entry: unknown;
  try {
    entry = store.resolve(reference);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const parsed = schema.safeParse(entry);
  // The issue paths name the missing fields, never their values.
  if (!parsed.success)
    return {
      ok: false,
      reason: `credentials "${reference}" lack ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    };
  return { ok: true, value: parsed.data };
}

export const resolveDgaCredentials = (store: CredentialsStore, reference: string) =>
  resolveWith(store, reference, dgaCredentials);
export const resolveSmaCredentials = (store: CredentialsStore, reference: string) =>
  resolveWith(store, reference, smaCredentials);
