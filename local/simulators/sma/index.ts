import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Simulator } from '../index';
import type { Violation } from '../dga/violations';
import { answerAfter, badBodyHandler, loseAnswerAfter, seededReceipt } from '../dga/wire';
import { authBody, parametersProblem, registrosBody, stampMinute, type SmaParameter } from './formats';

export type { SmaParameter } from './formats';

/**
 * The SMA REST API, mounted at `/sma`: a 24-hour token from `POST /api/v1/auth`,
 * `registros` with exactly each device's parameters at one timestamp (minute a multiple of 5),
 * duplicates answered with the first IdVerificacion, 5xx and lost answers on demand, and a record of
 * every rule violation (a resend of an accepted record, a wrong minute).
 */
export const SMA_DEMO_CREDENTIALS = { usuario: '76543210-3', password: 'demo-sma-password' } as const;

const FLOW_TOTAL_LEVEL: SmaParameter[] = [
  { nombre: 'Q', unidad: 'l/s' },
  { nombre: 'VA', unidad: 'm3' },
  { nombre: 'NF', unidad: 'm' },
];
/** Registered devices, `ufId/procesoId/dispositivoId` → the parameters one call must carry. */
export const SMA_DEMO_DEVICES: Record<string, SmaParameter[]> = {
  '3451/8021/12180': FLOW_TOTAL_LEVEL,
  '3451/8021/12181': FLOW_TOTAL_LEVEL.slice(0, 2),
  '3452/8022/22001': FLOW_TOTAL_LEVEL,
};

export interface SmaSimulatorOptions {
  /** IdVerificacion values are a pure function of the seed and the order of acceptance. @default 1 */
  seed?: number;
  /** @default Date.now */
  now?: () => number;
  /** @default 24 h */
  tokenTtlMs?: number;
  /** @default SMA_DEMO_CREDENTIALS */
  credentials?: { usuario: string; password: string };
  /** A device not listed answers 403. @default SMA_DEMO_DEVICES */
  devices?: Record<string, SmaParameter[]>;
  /** Every answer is delayed by this. @default 0 */
  latencyMs?: number;
}

export interface SmaRecord {
  ufId: string;
  procesoId: string;
  dispositivoId: string;
  estampaTiempo: string;
  parametros: { nombre: string; valor: string; unidad: string }[];
  idVerificacion: string;
  receivedAt: number;
  /** An acceptance (201, or the 200 of a duplicate) of it reached the client. */
  delivered: boolean;
}

export type SmaOutcome = 'accepted' | 'duplicate' | 'rejected' | 'forbidden' | 'unauthorized' | 'error500' | 'lost';

export interface SmaRequestLog {
  ufId: string;
  procesoId: string;
  dispositivoIds: string[];
  estampaTiempo: string;
  at: number;
  outcome: SmaOutcome;
  /** HTTP status answered; 0 when the answer was lost. */
  status: number;
}

export interface SmaSimulator extends Simulator {
  records(): SmaRecord[];
  requests(): SmaRequestLog[];
  violations(): Violation[];
  tokensIssued(): number;
  /** Every token issued so far answers 401 from now on. */
  expireTokens(): void;
  /** The next `count` registros calls (with a valid token) answer `status` and record nothing. */
  failNext(count: number, status?: number): void;
  /** The next `count` registros calls are processed (recorded if acceptable), then the connection dies unanswered. */
  loseAnswerNext(count: number): void;
  reset(): void;
}

interface Decision {
  status: number;
  body: unknown;
  outcome: SmaOutcome;
  /** The records an acceptance answer is about. */
  records?: SmaRecord[];
}

export function createSmaSimulator(options: SmaSimulatorOptions = {}): SmaSimulator {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const credentials = options.credentials ?? SMA_DEMO_CREDENTIALS;
  const devices = options.devices ?? SMA_DEMO_DEVICES;
  const tokenTtlMs = options.tokenTtlMs ?? 24 * 3_600_000;
  const latencyMs = options.latencyMs ?? 0;

  const tokens = new Map<string, number>();
  let issued = 0;
  const records = new Map<string, SmaRecord>();
  const requests: SmaRequestLog[] = [];
  const violations: Violation[] = [];
  let calls = 0;
  const faults = { fail: 0, failStatus: 500, lose: 0 };
  const flag = (rule: Violation['rule'], device: string, stamp: string, at: number, detail: string) =>
    violations.push({
      source: 'SMA',
      rule,
      codigoObra: device,
      fechaMedicion: stamp.slice(0, 10),
      horaMedicion: stamp.slice(11),
      at,
      detail,
    });

  function decide(req: Request, at: number, log: SmaRequestLog): Decision {
    const error = (status: number, mensaje: string, outcome: SmaOutcome = 'rejected'): Decision => ({
      status,
      body: { mensaje },
      outcome,
    });
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || expiresAt <= at)
      return error(401, 'Token ausente, inválido o expirado', 'unauthorized');
    if (faults.fail > 0) {
      faults.fail -= 1;
      return error(faults.failStatus, 'Error interno', 'error500');
    }
    const parsed = registrosBody.safeParse(req.body);
    if (!parsed.success) return error(400, `cuerpo inválido: ${parsed.error.issues[0]?.message ?? ''}`);
    const { ufId, procesoId } = req.params as { ufId: string; procesoId: string };
    const stamps = new Set(parsed.data.flatMap((item) => item.parametros.map((p) => p.estampaTiempo)));
    Object.assign(log, {
      dispositivoIds: parsed.data.map((item) => item.dispositivoId),
      estampaTiempo: [...stamps][0],
    });
    for (const item of parsed.data)
      for (const stamp of new Set(item.parametros.map((p) => p.estampaTiempo))) {
        const minute = stampMinute(stamp);
        if (minute !== null && minute % 5 !== 0)
          flag(
            'WRONG_MINUTE',
            `${ufId}/${procesoId}/${item.dispositivoId}`,
            stamp,
            at,
            `minute ${minute} is not a multiple of 5`,
          );
      }
    for (const item of parsed.data)
      if (!devices[`${ufId}/${procesoId}/${item.dispositivoId}`])
        return error(
          403,
          `dispositivo ${item.dispositivoId} no autorizado para la UF ${ufId}, proceso ${procesoId}`,
          'forbidden',
        );
    for (const item of parsed.data) {
      const problem = parametersProblem(
        item.dispositivoId,
        item.parametros,
        devices[`${ufId}/${procesoId}/${item.dispositivoId}`]!,
      );
      if (problem) return error(400, problem);
    }
    if (stamps.size !== 1) return error(400, 'todos los parámetros de una llamada deben tener la misma estampaTiempo');
    const [stamp] = [...stamps] as [string];
    if (stampMinute(stamp)! % 5 !== 0) return error(400, 'el minuto de estampaTiempo debe ser múltiplo de 5');

    const held: SmaRecord[] = [];
    const fresh: SmaRecord[] = [];
    const idVerificacion = seededReceipt(seed, calls, 23, 24);
    for (const item of parsed.data) {
      const device = `${ufId}/${procesoId}/${item.dispositivoId}`;
      const existing = records.get(`${device}|${stamp}`);
      if (existing) {
        if (existing.delivered)
          flag('RESEND_ACCEPTED', device, stamp, at, 'the record is held and its acceptance was delivered');
        held.push(existing);
        continue;
      }
      const parametros = item.parametros.map(({ nombre, valor, unidad }) => ({ nombre, valor, unidad }));
      const record: SmaRecord = {
        ufId,
        procesoId,
        dispositivoId: item.dispositivoId,
        estampaTiempo: stamp,
        parametros,
        idVerificacion,
        receivedAt: at,
        delivered: false,
      };
      records.set(`${device}|${stamp}`, record);
      fresh.push(record);
    }
    // A call that brings only held records is answered as the first acceptance was, with its id.
    if (fresh.length === 0)
      return {
        status: 200,
        body: { mensaje: 'Registro recibido', IdVerificacion: held[0]!.idVerificacion },
        outcome: 'duplicate',
        records: held,
      };
    calls += 1;
    return {
      status: 201,
      body: { mensaje: 'Registro recibido', IdVerificacion: idVerificacion },
      outcome: 'accepted',
      records: [...held, ...fresh],
    };
  }

  async function registros(req: Request, res: Response) {
    const at = now();
    const { ufId, procesoId } = req.params as { ufId: string; procesoId: string };
    const log: SmaRequestLog = {
      ufId,
      procesoId,
      dispositivoIds: [],
      estampaTiempo: '',
      at,
      outcome: 'rejected',
      status: 400,
    };
    requests.push(log);
    const decision = decide(req, at, log);
    if (decision.outcome !== 'unauthorized' && decision.outcome !== 'error500' && faults.lose > 0) {
      faults.lose -= 1;
      Object.assign(log, { outcome: 'lost', status: 0 });
      await loseAnswerAfter(req, latencyMs);
      return;
    }
    Object.assign(log, { outcome: decision.outcome, status: decision.status });
    const accepted = decision.records;
    if (accepted) res.once('finish', () => accepted.forEach((record) => (record.delivered = true)));
    await answerAfter(res, latencyMs, decision.status, decision.body);
  }

  const router = Router();
  router.use(express.json({ limit: '50kb' }));
  router.post('/api/v1/auth', async (req, res) => {
    const parsed = authBody.safeParse(req.body);
    if (!parsed.success) return answerAfter(res, latencyMs, 400, { mensaje: 'usuario y password requeridos' });
    if (
      parsed.data.usuario.toUpperCase() !== credentials.usuario.toUpperCase() ||
      parsed.data.password !== credentials.password
    )
      return answerAfter(res, latencyMs, 401, { mensaje: 'Credenciales inválidas' });
    // Opaque and random, so a client cannot forge one or carry one across simulator restarts.
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, now() + tokenTtlMs);
    issued += 1;
    await answerAfter(res, latencyMs, 200, { token });
  });
  router.post('/api/v1/ufs/:ufId/procesos/:procesoId/registros', registros);
  const recordsList = () =>
    [...records.values()].map((r) => ({ ...r, parametros: r.parametros.map((p) => ({ ...p })) }));
  const requestsList = () => requests.map((r) => ({ ...r, dispositivoIds: [...r.dispositivoIds] }));
  const violationsList = () => violations.map((v) => ({ ...v }));
  // Inspection for the local stack: nothing here ever held a password or a token.
  router.get('/_sim/records', (_req, res) => void res.json(recordsList()));
  router.get('/_sim/requests', (_req, res) => void res.json(requestsList()));
  router.get('/_sim/violations', (_req, res) => void res.json(violationsList()));
  router.use(badBodyHandler((mensaje) => ({ mensaje })));

  return {
    path: '/sma',
    description:
      `SMA REST API (demo values: usuario ${credentials.usuario}, password ${credentials.password}; devices ` +
      `${Object.keys(devices).join(', ')}); rule violations at /sma/_sim/violations`,
    router,
    records: recordsList,
    requests: requestsList,
    violations: violationsList,
    tokensIssued: () => issued,
    expireTokens: () => tokens.forEach((_expiry, token) => tokens.set(token, -Infinity)),
    failNext: (count, status = 500) => Object.assign(faults, { fail: count, failStatus: status }),
    loseAnswerNext: (count) => void (faults.lose = count),
    reset() {
      tokens.clear();
      issued = 0;
      records.clear();
      requests.length = 0;
      violations.length = 0;
      calls = 0;
      Object.assign(faults, { fail: 0, failStatus: 500, lose: 0 });
    },
  };
}
