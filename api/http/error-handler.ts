import { STATUS_CODES } from 'node:http';
import { ScheduleNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DatabaseError } from 'pg';
import type { Logger } from '../../lib/logger';
import { badRequest, HttpProblem, notFound, sendProblem } from './problem';

/** gRPC codes meaning "Temporal did not answer": UNAVAILABLE, DEADLINE_EXCEEDED. */
const UNREACHABLE_CODES = new Set([14, 4]);

/** The one place that turns a thrown error into a problem response. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      logger.error({ err: error, requestId: res.locals.requestId }, 'error after the response started');
      next(error);
      return;
    }
    const problem = toProblem(error);
    if (isDataException(error)) {
      // The validators should have refused the value: log the gap, answer what it is, a bad value.
      logger.warn(
        { sqlState: error.code, message: error.message, requestId: res.locals.requestId, route: res.locals.route },
        'a request value reached the database and was refused',
      );
    }
    if (problem) {
      sendProblem(req, res, problem);
      return;
    }
    // Logged in full here; the client gets a generic message and the id to quote.
    logger.error({ err: error, requestId: res.locals.requestId, route: res.locals.route }, 'request failed');
    sendProblem(
      req,
      res,
      new HttpProblem(
        500,
        `The request failed unexpectedly; the server log has the details (request ${String(res.locals.requestId)})`,
      ),
    );
  };
}

function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof WorkflowNotFoundError) return notFound(`No workflow with id "${error.workflowId}"`);
  if (error instanceof ScheduleNotFoundError) {
    return notFound(
      `Schedule "${error.scheduleId}" does not exist in Temporal; apply it with \`npm run schedules:apply\``,
    );
  }
  if (isTemporalUnreachable(error)) {
    return new HttpProblem(503, 'Temporal did not answer in time; try again shortly', {
      headers: { 'Retry-After': '5' },
    });
  }
  if (isDataException(error)) {
    return badRequest(
      'A value of the request is out of the range the database accepts (a date, time, offset or number)',
    );
  }
  return clientError(error);
}

/**
 * SQLSTATE class 22, data exceptions (22008 datetime field overflow, 22009 invalid time zone
 * displacement, 22003 numeric value out of range, 22P02 invalid text representation, …): a value
 * PostgreSQL refused. Every value a request carries is validated first; this is the last line of
 * defence, so that one a validator missed is still the client's 400, never a 500. Its message,
 * which quotes the value and the statement's types, is logged, not shown.
 */
function isDataException(error: unknown): error is DatabaseError & { code: string } {
  return error instanceof DatabaseError && typeof error.code === 'string' && error.code.startsWith('22');
}

/**
 * Express and its parsers mark the errors that are the client's fault with a 4xx `status` (or
 * `statusCode`, as `http-errors` does): e.g. the router's URIError for a path parameter that is not
 * valid percent-encoding. The status is honoured; the message is not shown, since it may quote
 * internals, and a 5xx status is a server failure like any other.
 */
function clientError(error: unknown): HttpProblem | undefined {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 499) return undefined;
  if (error instanceof URIError) return new HttpProblem(code, 'A path segment is not valid percent-encoding (UTF-8)');
  return new HttpProblem(code, `The request was refused: ${STATUS_CODES[code] ?? 'client error'}`);
}

function isTemporalUnreachable(error: unknown): boolean {
  const candidates = [error, (error as { cause?: unknown } | null)?.cause];
  return candidates.some((candidate) => isGrpcServiceError(candidate) && UNREACHABLE_CODES.has(candidate.code));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(req, res, notFound(`No route ${req.method} ${req.path}`));
};
