import express, { type RequestHandler } from 'express';
import { HttpProblem } from './problem';

/**
 * The JSON body parser every route with a body runs, after its key is checked (`defineRoute`),
 * so a request without a valid key is a 401 before a byte of its body is read. body-parser's
 * failures become problems here, where it is known what was being read.
 */
export function createJsonBodyParser(limit: string): RequestHandler {
  const parse = express.json({ limit });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      next(error === undefined ? undefined : (bodyProblem(error, req.headers['content-encoding'], limit) ?? error));
    });
  };
}

function bodyProblem(error: unknown, contentEncoding: string | undefined, limit: string): HttpProblem | undefined {
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return new HttpProblem(400, 'The request body is not valid JSON');
  if (type === 'entity.too.large') return new HttpProblem(413, `The request body exceeds the limit of ${limit}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new HttpProblem(415, 'Unsupported body encoding or charset; send UTF-8 JSON, or gzip, deflate or br of it');
  }
  // zlib's "incorrect header check" and the like: a body that is not what its Content-Encoding says.
  if (contentEncoding && status === 400) {
    return new HttpProblem(400, 'The request body is not encoded as its Content-Encoding header says');
  }
  // Anything else carries its own status; the error handler answers a 4xx one with a safe detail.
  return undefined;
}
