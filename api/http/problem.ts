import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { z } from 'zod';

/**
 * RFC 9457 problem details: every error the API answers has this shape and the
 * `application/problem+json` media type. Plain HTTP failures use `about:blank` (the title is
 * the status phrase); failures clients may branch on get a stable `type`.
 */

export interface FieldError {
  /** Where the bad value was, prefixed by its location: `query.limit`, `body.start`, `params.id`. */
  field: string;
  message: string;
}

export const PROBLEM_TYPES = {
  invalidRequest: 'tag:durable-pipelines,2026:problem/invalid-request',
  notRunning: 'tag:durable-pipelines,2026:problem/run-not-running',
} as const;

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly title: string;

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { type?: string; title?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.title = options.title ?? STATUS_CODES[status] ?? 'Error';
  }

  get type(): string {
    return this.options.type ?? 'about:blank';
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, detail, { type: PROBLEM_TYPES.invalidRequest, title: 'Invalid request', errors });

export const notFound = (detail: string) => new HttpProblem(404, detail);

export const conflict = (detail: string, type?: string) => new HttpProblem(409, detail, { type });

export function sendProblem(req: Request, res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.options.headers ?? {})) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      // The path only: a query string could carry values the client would rather not see echoed.
      instance: req.originalUrl.split('?')[0],
      ...(problem.options.errors ? { errors: problem.options.errors } : {}),
    });
}

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: '`about:blank` or a stable problem type URI', example: 'about:blank' }),
    title: z.string().meta({ example: 'Not Found' }),
    status: z.number().int().meta({ example: 404 }),
    detail: z.string(),
    instance: z.string().meta({ description: 'The request path', example: '/api/v1/runs/unknown' }),
    errors: z
      .array(z.object({ field: z.string().meta({ example: 'query.limit' }), message: z.string() }))
      .optional()
      .meta({ description: 'The offending fields of an invalid request' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });
