/**
 * What a regulator's answer means for the slot. Pure: the activity records the outcome and the
 * ledger status it implies. HTTP failures are outcomes, never thrown errors: a POST is not retried
 * by Temporal, only by the sending rules.
 */
export type AttemptOutcome =
  'ACCEPTED' | 'DUPLICATE' | 'REJECTED' | 'CONFIG_ERROR' | 'UNAUTHORIZED' | 'SERVER_ERROR' | 'NO_ANSWER';

/** An HTTP answer, or none (timeout, connection reset, the worker died). */
export type RegulatorAnswer = { status: number; body: unknown } | { status: 'none'; error: string };

export interface Classified {
  outcome: AttemptOutcome;
  receipt?: string;
  /** Why, in the regulator's words where it gave some (kept in the ledger). */
  reason?: string;
}

const INFORMANT_ERROR = 'Usuario no es el informante registrado en la Obra';
const DUPLICATE = /Ya existe un registro.*Comprobante:\s*([A-Za-z0-9]+)/s;

const messageOf = (body: unknown, key: string): string | undefined => {
  const value = (body as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : undefined;
};

export function classifyDgaAnswer(answer: RegulatorAnswer): Classified {
  if (answer.status === 'none') return { outcome: 'NO_ANSWER', reason: answer.error };
  const message = messageOf(answer.body, 'message');
  if (answer.status >= 200 && answer.status < 300) {
    const receipt = messageOf((answer.body as { data?: unknown } | null)?.data, 'numeroComprobante');
    if (messageOf(answer.body, 'status') === '00' && receipt) return { outcome: 'ACCEPTED', receipt };
    // Not "00": the manual's daily resend applies.
    return { outcome: 'SERVER_ERROR', reason: `answered ${answer.status} without "00": ${message ?? ''}`.trim() };
  }
  // "Ya existe … Comprobante: X": the DGA already holds this measurement, accepted with receipt X.
  const duplicate = message ? DUPLICATE.exec(message) : null;
  if (answer.status === 400 && duplicate) return { outcome: 'DUPLICATE', receipt: duplicate[1]!, reason: message };
  if (message?.includes(INFORMANT_ERROR)) return { outcome: 'CONFIG_ERROR', reason: message };
  if (answer.status === 401 || answer.status === 403)
    return { outcome: 'UNAUTHORIZED', reason: `credentials refused (${answer.status})` };
  if (answer.status >= 400 && answer.status < 500)
    return { outcome: 'REJECTED', reason: message ?? `answered ${answer.status}` };
  return { outcome: 'SERVER_ERROR', reason: `answered ${answer.status}` };
}

/** The SMA answer, after the activity renewed its token once on a 401. */
export function classifySmaAnswer(answer: RegulatorAnswer): Classified {
  if (answer.status === 'none') return { outcome: 'NO_ANSWER', reason: answer.error };
  const receipt = messageOf(answer.body, 'IdVerificacion');
  if (answer.status >= 200 && answer.status < 300 && receipt) return { outcome: 'ACCEPTED', receipt };
  const message = messageOf(answer.body, 'mensaje');
  if (answer.status === 400) return { outcome: 'REJECTED', reason: message ?? 'answered 400' };
  if (answer.status === 401) return { outcome: 'UNAUTHORIZED', reason: 'credentials refused (401)' };
  if (answer.status === 403) return { outcome: 'CONFIG_ERROR', reason: message ?? 'device not allowed (403)' };
  return { outcome: 'SERVER_ERROR', reason: `answered ${answer.status}${message ? `: ${message}` : ''}` };
}

export interface OutcomeEffect {
  /** The ledger status after it. */
  status: 'SENT' | 'CONFIRMED' | 'REJECTED' | 'PENDING';
  /** The configuration stops sending (BLOCKED) until an operator updates it. */
  blocksConfig: boolean;
  /** The slot is sent again under the retry rule. */
  retries: boolean;
  /** The notification it raises, if any. */
  notify?: 'compliance.rejected' | 'compliance.config_error';
}

/**
 * DGA acceptances are SENT until the verify GET confirms them; the SMA has no verify API, so its
 * IdVerificacion confirms at once. A configuration error is not the slot's fault: the slot stays
 * PENDING (sent again, under the retry rule, once the configuration is fixed).
 */
export function effectOf(source: 'DGA' | 'SMA', outcome: AttemptOutcome): OutcomeEffect {
  switch (outcome) {
    case 'ACCEPTED':
    case 'DUPLICATE':
      return { status: source === 'DGA' ? 'SENT' : 'CONFIRMED', blocksConfig: false, retries: false };
    case 'REJECTED':
      return { status: 'REJECTED', blocksConfig: false, retries: false, notify: 'compliance.rejected' };
    case 'CONFIG_ERROR':
    case 'UNAUTHORIZED':
      return { status: 'PENDING', blocksConfig: true, retries: true, notify: 'compliance.config_error' };
    case 'SERVER_ERROR':
    case 'NO_ANSWER':
      return { status: 'PENDING', blocksConfig: false, retries: true };
  }
}

/**
 * When a slot whose attempt failed may be sent again, after that attempt's end. DGA: the manual's
 * daily resend (DGA_RETRY_EVERY). SMA (no such rule): 1 min, doubling per attempt, capped at
 * DGA_RETRY_EVERY, so a long SMA outage is retried about as often as the DGA allows.
 */
export function retryDelayMs(source: 'DGA' | 'SMA', attempts: number, retryEveryMs: number): number {
  if (source === 'DGA') return retryEveryMs;
  return Math.min(retryEveryMs, 60_000 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}
