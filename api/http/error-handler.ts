import { ScheduleNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../lib/logger';
import { HttpProblem, notFound, sendProblem } from './problem';

/** gRPC codes meaning "Temporal did not answer": UNAVAILABLE, DEADLINE_EXCEEDED. */
const UNREACHABLE_CODES = new Set([14, 4]);

/** The one place that turns a thrown error into a problem response. */
export function problemErrorHandler(logger: Logger, bodyLimit: string): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      logger.error({ err: error, requestId: res.locals.requestId }, 'error after the response started');
      next(error);
      return;
    }
    const problem = toProblem(error, bodyLimit);
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

function toProblem(error: unknown, bodyLimit: string): HttpProblem | undefined {
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
  // body-parser marks its own errors with a `type`; their messages are safe to show.
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new HttpProblem(400, 'The request body is not valid JSON');
  if (type === 'entity.too.large') return new HttpProblem(413, `The request body exceeds the limit of ${bodyLimit}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new HttpProblem(415, 'Unsupported body encoding or charset; send UTF-8 JSON');
  }
  return undefined;
}

function isTemporalUnreachable(error: unknown): boolean {
  const candidates = [error, (error as { cause?: unknown } | null)?.cause];
  return candidates.some((candidate) => isGrpcServiceError(candidate) && UNREACHABLE_CODES.has(candidate.code));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(req, res, notFound(`No route ${req.method} ${req.path}`));
};
