import { DGA_DEMO_CREDENTIALS, DGA_KINDS, type DgaKind } from '../../local/simulators/dga';
import { SMA_DEMO_CREDENTIALS } from '../../local/simulators/sma';

/** Bare HTTP calls to the DGA and SMA simulators, as a control centre would make them. */

const HOUR = 3_600_000;

/** fecha/hora of an instant at the DGA's fixed UTC−4 offset. */
export function utcMinus4(ms: number): { fechaMedicion: string; horaMedicion: string } {
  const iso = new Date(ms - 4 * HOUR).toISOString();
  return { fechaMedicion: iso.slice(0, 10), horaMedicion: iso.slice(11, 19) };
}

/** A well-formed measurement block of a kind, measured at `ms`. */
export function dgaBlock(kind: DgaKind, ms: number, values: Record<string, string> = {}): Record<string, string> {
  const base: Record<DgaKind, Record<string, string>> = {
    groundwater: { caudal: '1.00', totalizador: '1010', nivelFreaticoDelPozo: '9.85' },
    'surface-flowmeter': { caudal: '12.50', totalizador: '987654321012345' },
    surface: { caudal: '3.25', alturaLimnimetrica: '42' },
  };
  return { ...base[kind], ...utcMinus4(ms), ...values };
}

export interface DgaCall {
  kind?: DgaKind;
  codigoObra?: string;
  /** The measurement block, or a whole replacement body. */
  block?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
  credentials?: Record<string, string>;
}

export async function dgaSubmit(
  base: string,
  call: DgaCall,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const spec = DGA_KINDS.find((k) => k.kind === (call.kind ?? 'groundwater'))!;
  const body = call.body ?? {
    autenticacion: call.credentials ?? { ...DGA_DEMO_CREDENTIALS },
    [spec.bodyKey]: call.block ?? dgaBlock(spec.kind, Date.now()),
  };
  const response = await fetch(`${base}${spec.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      codigoObra: call.codigoObra ?? 'OB-0602-7',
      timeStampOrigen: new Date().toISOString().slice(0, 19) + '-0000',
      ...call.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function dgaVerify(base: string, kind: DgaKind, codigoObra: string, numeroComprobante: string) {
  const spec = DGA_KINDS.find((k) => k.kind === kind)!;
  const query = new URLSearchParams({ codigoObra, numeroComprobante });
  const response = await fetch(`${base}${spec.path}?${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function smaAuth(base: string, credentials: Record<string, string> = { ...SMA_DEMO_CREDENTIALS }) {
  const response = await fetch(`${base}/api/v1/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  return { status: response.status, body: (await response.json()) as { token?: string; mensaje?: string } };
}

/** One device's parameters at one stamp, in the demo units. */
export function smaItem(dispositivoId: string, estampaTiempo: string, names = ['Q', 'VA', 'NF']) {
  const units: Record<string, string> = { Q: 'l/s', VA: 'm3', NF: 'm' };
  const values: Record<string, string> = { Q: '42.5', VA: '42500', NF: '12.30' };
  return {
    dispositivoId,
    parametros: names.map((nombre) => ({
      nombre,
      valor: values[nombre] ?? '1',
      unidad: units[nombre] ?? 'x',
      estampaTiempo,
    })),
  };
}

export async function smaPost(base: string, device: string, token: string | undefined, body: unknown) {
  const [ufId, procesoId] = device.split('/');
  const response = await fetch(`${base}/api/v1/ufs/${ufId}/procesos/${procesoId}/registros`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { mensaje?: string; IdVerificacion?: string } };
}

/** `YYYY-MM-DDTHH:mm:00` of an instant (the SMA's stamps, read here as UTC−4 like the DGA's). */
export function smaStamp(ms: number): string {
  const { fechaMedicion, horaMedicion } = utcMinus4(ms);
  return `${fechaMedicion}T${horaMedicion.slice(0, 5)}:00`;
}
