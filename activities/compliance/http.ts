import type { RegulatorAnswer } from '../../lib/compliance/answers';
import { httpExchange } from '../../platform/http-client';

/**
 * One HTTP exchange with a regulator, never retried here: whether and when to send again is the
 * sending rules' decision. A timeout, a reset or an unreadable body is "no answer" (the
 * measurement may have been recorded), not a thrown error.
 */
export async function exchange(url: string, init: RequestInit, timeoutMs: number): Promise<RegulatorAnswer> {
  try {
    const { status, text } = await httpExchange(url, init, { timeoutMs });
    let body: unknown = text.slice(0, 2_000);
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as (truncated) text: an HTML error page from a proxy, for instance.
    }
    return { status, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { status: 'none', error: `${(error as Error).name}${cause ? ` ${cause}` : ''}: no answer` };
  }
}

/** What of an answer goes into the ledger: bounded, and with any echo of the secret removed. */
export function storableAnswer(answer: RegulatorAnswer, secrets: readonly string[]): unknown {
  let text = JSON.stringify(answer);
  for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('[redacted]');
  if (text.length > 4_000) return { truncated: text.slice(0, 4_000) };
  return JSON.parse(text) as unknown;
}
