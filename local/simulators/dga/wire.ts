import type { ErrorRequestHandler, Request, Response } from 'express';
import { hash32 } from '../cv/generator';

/** HTTP plumbing the DGA and SMA simulators share: delayed answers, lost answers, seeded receipts. */

const wait = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** Answers after `delayMs`, unless the client has gone meanwhile (then nothing is delivered). */
export async function answerAfter(res: Response, delayMs: number, status: number, body: unknown): Promise<void> {
  await wait(delayMs);
  if (res.writableEnded || !res.socket || res.socket.destroyed) return;
  res.status(status).json(body);
}

/** A lost answer: the request was processed, then the connection dies without a byte of answer. */
export async function loseAnswerAfter(req: Request, delayMs: number): Promise<void> {
  await wait(delayMs);
  req.socket.destroy();
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The `n`-th receipt of a seeded simulator: `length` alphanumeric characters, the same on every run. */
export function seededReceipt(seed: number, n: number, salt: number, length = 32): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHANUMERIC[hash32(seed + salt, n, i) % ALPHANUMERIC.length];
  return text;
}

/** Unparsable JSON or an oversized body is the client's fault: a 4xx in the regulator's shape, never a 5xx. */
export function badBodyHandler(shape: (message: string) => unknown): ErrorRequestHandler {
  return (error: { status?: number; type?: string }, _req, res, next) => {
    // Only body-parser's client errors; anything else is a simulator bug and stays a 500.
    if (res.headersSent || !error.status || error.status >= 500) return next(error);
    const tooLarge = error.status === 413;
    res.status(tooLarge ? 413 : 400).json(shape(tooLarge ? 'cuerpo demasiado grande' : 'JSON inválido'));
  };
}
