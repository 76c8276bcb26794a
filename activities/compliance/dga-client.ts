import type { RegulatorAnswer } from '../../lib/compliance/answers';
import { DGA_KINDS } from '../../lib/compliance/payload';
import type { WorkKind } from '../../lib/compliance/standards';
import type { DgaCredentials } from './credentials';
import { exchange } from './http';

/** The DGA MEE API: one submit, one verify. */
export interface DgaWork {
  baseUrl: string;
  kind: WorkKind;
  codigoObra: string;
}

/** `path` under the base URL, which may itself have a path (the simulators' `/dga`). */
export const endpoint = (baseUrl: string, path: string) =>
  new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);

const headers = (codigoObra: string, at: Date) => ({
  'content-type': 'application/json',
  codigoObra,
  // The time of sending, in the manual's `2025-07-04T10:00:00-0000` form.
  timeStampOrigen: `${at.toISOString().slice(0, 19)}-0000`,
});

export function submitDgaMeasurement(
  work: DgaWork,
  credentials: DgaCredentials,
  payload: Record<string, unknown>,
  at: Date,
  timeoutMs: number,
): Promise<RegulatorAnswer> {
  // The password joins the body here only, on its way out; the ledger keeps `payload` without it.
  const autenticacion = {
    password: credentials.password,
    rutEmpresa: credentials.rutEmpresa,
    rutUsuario: credentials.rutUsuario,
  };
  return exchange(
    endpoint(work.baseUrl, DGA_KINDS[work.kind].path).toString(),
    { method: 'POST', headers: headers(work.codigoObra, at), body: JSON.stringify({ autenticacion, ...payload }) },
    timeoutMs,
  );
}

export function verifyDgaReceipt(work: DgaWork, receipt: string, at: Date, timeoutMs: number) {
  const url = endpoint(work.baseUrl, DGA_KINDS[work.kind].path);
  url.searchParams.set('codigoObra', work.codigoObra);
  url.searchParams.set('numeroComprobante', receipt);
  return exchange(url.toString(), { method: 'GET', headers: headers(work.codigoObra, at) }, timeoutMs);
}
