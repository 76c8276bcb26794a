import express, { Router, type Request, type Response } from 'express';
import type { Simulator } from '../index';
import {
  DGA_KINDS,
  headerProblem,
  looseMeasurement,
  measuredAtMs,
  parseSubmission,
  verifyDate,
  type DgaKind,
  type DgaKindSpec,
} from './formats';
import { createDgaReferee, type Violation } from './violations';
import { answerAfter, badBodyHandler, loseAnswerAfter, seededReceipt } from './wire';

export { DGA_KINDS, type DgaKind, type DgaKindSpec } from './formats';
export type { Violation, ViolationRule } from './violations';

/**
 * The DGA MEE online API, mounted at `/dga`: the three submit POSTs and
 * verify GETs, strict formats, the informant error, duplicates answered "Ya existe … Comprobante",
 * faults (5xx, down, slow and lost answers) and a referee that records every sending-rule violation.
 * All state lives here, in the process that serves it, so workers in other processes cannot touch it.
 */
export const DGA_DEMO_CREDENTIALS = {
  rutEmpresa: '77555666-8',
  rutUsuario: '20999888-2',
  password: 'demo-dga-password',
} as const;
/** A demo work whose registered informant is someone else (answers the informant error). */
export const DGA_DEMO_FOREIGN_WORK = 'OB-1301-999';

export interface DgaCredentials {
  rutEmpresa: string;
  rutUsuario: string;
  password: string;
}

export interface DgaSimulatorOptions {
  /** Receipts are a pure function of the seed and the order of acceptance. @default 1 */
  seed?: number;
  /** @default Date.now */
  now?: () => number;
  /** Backlog sends of a work must be this far apart. @default 5 min */
  backlogSpacingMs?: number;
  /** The "day" of the once-a-day resend rule. @default 24 h */
  retryEveryMs?: number;
  /** Online data is due within this of its measurement (later is backlog, not a violation). @default 1 h */
  onlineLimitMs?: number;
  /** A measurement this old when sent is backlog, subject to the spacing. @default 2 h */
  backlogThresholdMs?: number;
  /** The registered control centre and informant. @default DGA_DEMO_CREDENTIALS */
  credentials?: DgaCredentials;
  /** Works whose registered informant is someone else. */
  informantMismatch?: string[];
  /** Every answer is delayed by this. @default 0 */
  latencyMs?: number;
}

export interface DgaRecord {
  codigoObra: string;
  kind: DgaKind;
  fechaMedicion: string;
  horaMedicion: string;
  values: Record<string, string>;
  numeroComprobante: string;
  receivedAt: number;
  /** An acceptance ("00" or "Ya existe") of it reached the client. */
  delivered: boolean;
}

export type DgaOutcome =
  'accepted' | 'duplicate' | 'rejected' | 'informant' | 'unauthorized' | 'down' | 'error500' | 'lost';

export interface DgaRequestLog {
  codigoObra: string;
  kind: DgaKind;
  fechaMedicion: string;
  horaMedicion: string;
  at: number;
  outcome: DgaOutcome;
  /** HTTP status answered; 0 when the answer was lost. */
  status: number;
  /** The measurement was older than onlineLimitMs when it arrived (backlog, not a violation). */
  late: boolean;
}

export interface DgaSimulator extends Simulator {
  records(): DgaRecord[];
  requests(): DgaRequestLog[];
  violations(): Violation[];
  /** The next `count` submits answer `status` and record nothing. */
  failNext(count: number, status?: number): void;
  /** The next `count` verify GETs answer `status`. */
  failVerifyNext(count: number, status?: number): void;
  /** The next `count` submits are answered `ms` later (processed at once: recorded before the answer). */
  slowNext(count: number, ms: number): void;
  /** The next `count` submits are processed (an acceptable one IS recorded), then the connection dies unanswered. */
  loseAnswerNext(count: number): void;
  /** While down, every submit answers 503 and records nothing. */
  setDown(down: boolean): void;
  setInformantMismatch(codigoObra: string, on: boolean): void;
  /** Verify answers `value` for `field` of this receipt from now on. */
  tamper(numeroComprobante: string, field: string, value: string): void;
  reset(): void;
}

const FUTURE_TOLERANCE_MS = 5 * 60_000;
const INFORMANT_MESSAGE = 'Usuario no es el informante registrado en la Obra';

interface Decision {
  status: number;
  body: unknown;
  outcome: DgaOutcome;
  /** The record an acceptance answer is about. */
  record?: DgaRecord;
}

export function createDgaSimulator(options: DgaSimulatorOptions = {}): DgaSimulator {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const credentials = options.credentials ?? DGA_DEMO_CREDENTIALS;
  const latencyMs = options.latencyMs ?? 0;
  const onlineLimitMs = options.onlineLimitMs ?? 3_600_000;
  const referee = createDgaReferee({
    backlogSpacingMs: options.backlogSpacingMs ?? 5 * 60_000,
    retryEveryMs: options.retryEveryMs ?? 24 * 3_600_000,
    backlogThresholdMs: options.backlogThresholdMs ?? 2 * 3_600_000,
  });

  const records = new Map<string, DgaRecord>();
  const byReceipt = new Map<string, DgaRecord>();
  const tampered = new Map<string, Record<string, string>>();
  const requests: DgaRequestLog[] = [];
  let informant = new Set(options.informantMismatch ?? []);
  let down = false;
  const faults = { fail: 0, failStatus: 500, failVerify: 0, failVerifyStatus: 500, slow: 0, slowMs: 0, lose: 0 };
  const measurementKey = (obra: string, fecha: string, hora: string) => `${obra}|${fecha}|${hora}`;

  function decide(spec: DgaKindSpec, req: Request, at: number): Decision {
    const error = (status: number, message: string, outcome: DgaOutcome = 'rejected'): Decision => ({
      status,
      body: { status: '01', message },
      outcome,
    });
    if (down) return error(503, 'Servicio no disponible', 'down');
    if (faults.fail > 0) {
      faults.fail -= 1;
      return error(faults.failStatus, 'Error interno del servidor', 'error500');
    }
    const headerError = headerProblem(req.headers);
    if (headerError) return error(400, headerError);
    const codigoObra = req.headers.codigoobra as string;
    const parsed = parseSubmission(spec, req.body);
    if ('problem' in parsed) return error(400, parsed.problem);
    const { autenticacion, fechaMedicion, horaMedicion, values } = parsed;
    if (
      autenticacion.rutEmpresa.toUpperCase() !== credentials.rutEmpresa.toUpperCase() ||
      autenticacion.rutUsuario.toUpperCase() !== credentials.rutUsuario.toUpperCase() ||
      autenticacion.password !== credentials.password
    )
      return error(401, 'Credenciales inválidas', 'unauthorized');
    // The informant error carries no status field (practice).
    if (informant.has(codigoObra)) return { status: 400, body: { message: INFORMANT_MESSAGE }, outcome: 'informant' };
    if (measuredAtMs(fechaMedicion, horaMedicion) > at + FUTURE_TOLERANCE_MS)
      return error(400, 'La fecha y hora de medición no pueden ser futuras (UTC-4)');
    const key = measurementKey(codigoObra, fechaMedicion, horaMedicion);
    const held = records.get(key);
    if (held) {
      const message = `Ya existe un registro en esa fecha, hora para la obra. Comprobante: ${held.numeroComprobante}`;
      return { status: 400, body: { message }, outcome: 'duplicate', record: held };
    }
    const record: DgaRecord = {
      codigoObra,
      kind: spec.kind,
      fechaMedicion: fechaMedicion,
      horaMedicion: horaMedicion,
      values,
      numeroComprobante: seededReceipt(seed, byReceipt.size, 11),
      receivedAt: at,
      delivered: false,
    };
    records.set(key, record);
    byReceipt.set(record.numeroComprobante, record);
    return {
      status: 200,
      body: { status: '00', message: spec.acceptedMessage, data: { numeroComprobante: record.numeroComprobante } },
      outcome: 'accepted',
      record,
    };
  }

  async function submit(spec: DgaKindSpec, req: Request, res: Response) {
    const at = now();
    const codigoObra = typeof req.headers.codigoobra === 'string' ? req.headers.codigoobra : '';
    const measurement = looseMeasurement(req.body);
    const held = measurement
      ? records.get(measurementKey(codigoObra, measurement.fechaMedicion, measurement.horaMedicion))
      : undefined;
    // Judged on arrival, whatever the answer will be: the regulator sees the traffic either way.
    const attempt = referee.admit(codigoObra, measurement, at, held?.delivered);
    res.once('close', attempt.settle);
    const log: DgaRequestLog = {
      codigoObra,
      kind: spec.kind,
      fechaMedicion: measurement?.fechaMedicion ?? '',
      horaMedicion: measurement?.horaMedicion ?? '',
      at,
      outcome: 'rejected',
      status: 400,
      late: measurement
        ? at - measuredAtMs(measurement.fechaMedicion, measurement.horaMedicion) > onlineLimitMs
        : false,
    };
    requests.push(log);
    let delayMs = latencyMs;
    if (faults.slow > 0) {
      faults.slow -= 1;
      delayMs += faults.slowMs;
    }
    const decision = decide(spec, req, at);
    const answered = decision.outcome !== 'down' && decision.outcome !== 'error500';
    if (answered && faults.lose > 0) {
      faults.lose -= 1;
      Object.assign(log, { outcome: 'lost', status: 0 });
      await loseAnswerAfter(req, delayMs);
      return;
    }
    Object.assign(log, { outcome: decision.outcome, status: decision.status });
    const { record } = decision;
    if (record)
      res.once('finish', () => {
        record.delivered = true;
        attempt.acceptanceDelivered();
      });
    await answerAfter(res, delayMs, decision.status, decision.body);
  }

  async function verify(spec: DgaKindSpec, req: Request, res: Response) {
    const { codigoObra, numeroComprobante } = req.query;
    if (faults.failVerify > 0) {
      faults.failVerify -= 1;
      await answerAfter(res, latencyMs, faults.failVerifyStatus, {
        status: '01',
        message: 'Error interno del servidor',
      });
      return;
    }
    if (typeof codigoObra !== 'string' || typeof numeroComprobante !== 'string') {
      await answerAfter(res, latencyMs, 400, { status: '01', message: 'codigoObra y numeroComprobante requeridos' });
      return;
    }
    // A receipt is only found under the work and the kind it was issued for.
    const record = byReceipt.get(numeroComprobante);
    if (!record || record.codigoObra !== codigoObra || record.kind !== spec.kind) {
      await answerAfter(res, latencyMs, 404, { status: '01', message: 'No existe el comprobante para la obra' });
      return;
    }
    const data = {
      fechaMedicion: verifyDate(record.fechaMedicion),
      horaMedicion: record.horaMedicion,
      ...record.values,
      ...tampered.get(numeroComprobante),
    };
    await answerAfter(res, latencyMs, 200, { status: '00', message: '', data });
  }

  const router = Router();
  router.use(express.json({ limit: '10kb' }));
  for (const spec of DGA_KINDS) {
    router.post(spec.path, (req, res) => submit(spec, req, res));
    router.get(spec.path, (req, res) => verify(spec, req, res));
  }
  const recordsList = () => [...records.values()].map((record) => ({ ...record, values: { ...record.values } }));
  const requestsList = () => requests.map((request) => ({ ...request }));
  // Inspection for the local stack: nothing here ever held a password.
  router.get('/_sim/records', (_req, res) => void res.json(recordsList()));
  router.get('/_sim/requests', (_req, res) => void res.json(requestsList()));
  router.get('/_sim/violations', (_req, res) => void res.json(referee.violations()));
  router.use(badBodyHandler((message) => ({ status: '01', message })));

  return {
    path: '/dga',
    description:
      `DGA MEE API (demo values: rutEmpresa ${credentials.rutEmpresa}, rutUsuario ${credentials.rutUsuario}, ` +
      `password ${credentials.password}; ${[...informant].join(', ') || 'no work'} answers the informant error); ` +
      'rule violations at /dga/_sim/violations',
    router,
    records: recordsList,
    requests: requestsList,
    violations: referee.violations,
    failNext: (count, status = 500) => Object.assign(faults, { fail: count, failStatus: status }),
    failVerifyNext: (count, status = 500) => Object.assign(faults, { failVerify: count, failVerifyStatus: status }),
    slowNext: (count, ms) => Object.assign(faults, { slow: count, slowMs: ms }),
    loseAnswerNext: (count) => void (faults.lose = count),
    setDown: (value) => void (down = value),
    setInformantMismatch: (codigoObra, on) => void (on ? informant.add(codigoObra) : informant.delete(codigoObra)),
    tamper(numeroComprobante, field, value) {
      if (!byReceipt.has(numeroComprobante)) throw new Error(`no such receipt: ${numeroComprobante}`);
      tampered.set(numeroComprobante, { ...tampered.get(numeroComprobante), [field]: value });
    },
    reset() {
      records.clear();
      byReceipt.clear();
      tampered.clear();
      requests.length = 0;
      referee.reset();
      informant = new Set(options.informantMismatch ?? []);
      down = false;
      Object.assign(faults, {
        fail: 0,
        failStatus: 500,
        failVerify: 0,
        failVerifyStatus: 500,
        slow: 0,
        slowMs: 0,
        lose: 0,
      });
    },
  };
}
