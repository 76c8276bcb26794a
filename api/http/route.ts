import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Role } from '../../lib/config';
import type { RequireRole } from './auth';
import { BEARER_SCHEME } from './openapi';
import { badRequest, HttpProblem, ProblemSchema, type FieldError } from './problem';

/** What `defineRoute` needs besides the router: the OpenAPI registry, auth and the Temporal client. */
export interface RouteKit {
  registry: OpenAPIRegistry;
  requireRole: RequireRole;
  client: Client;
  /** Every defined path with its methods, for `405 Method Not Allowed` (see `methodNotAllowed`). */
  methodsByPath: Map<string, Set<string>>;
  /** Reads a JSON body (`createJsonBodyParser`); run by each route after its key is checked. */
  parseJsonBody: RequestHandler;
}

/**
 * Request schemas must be `z.strictObject`s: an unknown query parameter or body field is a 400,
 * never silently ignored (a misspelt `staus=Failed` must not list every run).
 */
type StrictObject = z.ZodObject<z.core.$ZodShape, z.core.$strict>;
type NoInput = z.ZodObject<Record<never, never>, z.core.$strict>;

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** @default 'application/json' */
  contentType?: string;
}

export interface RouteInput<P extends StrictObject, Q extends StrictObject, B extends StrictObject> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export interface RouteSpec<P extends StrictObject, Q extends StrictObject, B extends StrictObject> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax (`/api/v1/runs/:workflowId`); the OpenAPI path is derived from it. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Explicit, so no route is public by omission. */
  role: Role | 'public';
  request?: { params?: P; query?: Q; body?: B };
  responses: Record<number, RouteResponse>;
  handler(input: RouteInput<P, Q, B>, res: Response, req: Request): Promise<void> | void;
}

/** Every Temporal call a handler makes shares this deadline, so a hung server cannot hang requests. */
export const TEMPORAL_CALL_TIMEOUT_MS = 15_000;

const EMPTY: NoInput = z.strictObject({});

/**
 * Mounts a route and registers it in the OpenAPI document, from the same schemas: what the docs
 * say is what the handler validates. Order: route label (metrics), auth, body, validation,
 * handler: every route reads its body only once the key is checked, by construction.
 */
export function defineRoute<
  P extends StrictObject = NoInput,
  Q extends StrictObject = NoInput,
  B extends StrictObject = NoInput,
>(router: Router, kit: RouteKit, spec: RouteSpec<P, Q, B>): void {
  const params = spec.request?.params ?? EMPTY;
  const query = spec.request?.query ?? EMPTY;
  // A route that declares no body still reads one (other than GET's): `{"x":1}` sent to an action
  // is a 400, not ignored, and a body that cannot be read is refused before the handler runs.
  const body = spec.request?.body ?? (spec.method === 'get' ? undefined : EMPTY);

  registerPath(kit.registry, spec);

  const handlers = [
    (_req: Request, res: Response, next: () => void) => {
      res.locals.route = spec.path;
      next();
    },
    ...(spec.role === 'public' ? [] : [kit.requireRole(spec.role)]),
    ...(body ? [kit.parseJsonBody] : []),
    async (req: Request, res: Response) => {
      if (body && hasContent(req) && !req.is('application/json')) {
        throw new HttpProblem(415, 'Send the request body as application/json');
      }
      const errors: FieldError[] = [];
      const input = {
        params: parseInto(params, req.params, 'params', errors),
        query: parseInto(query, req.query, 'query', errors),
        // Express 5 leaves `req.body` undefined when there is no body; an all-optional body may be omitted.
        body: body ? parseInto(body, req.body ?? {}, 'body', errors) : {},
      } as RouteInput<P, Q, B>;
      if (errors.length > 0) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
      await kit.client.connection.withDeadline(Date.now() + TEMPORAL_CALL_TIMEOUT_MS, async () => {
        await spec.handler(input, res, req);
      });
    },
  ];
  router[spec.method](spec.path, ...handlers);
  const methods = kit.methodsByPath.get(spec.path) ?? new Set<string>();
  kit.methodsByPath.set(spec.path, methods.add(spec.method.toUpperCase()));
}

/**
 * Mounted after every route: a known path asked with a method it does not have is a 405 naming the
 * methods it has, not a 404 that suggests the path does not exist. (Express answers OPTIONS itself.)
 */
export function methodNotAllowed(router: Router, kit: RouteKit): void {
  for (const [path, methods] of kit.methodsByPath) {
    const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
    router.all(path, (req, res) => {
      res.setHeader('Allow', allow);
      throw new HttpProblem(405, `${req.method} is not allowed on ${req.path}; allowed: ${allow}`);
    });
  }
}

/** `type-is` counts `Content-Length: 0` as a body; a client posting nothing has sent none. */
function hasContent(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function parseInto(schema: z.ZodType, value: unknown, location: string, errors: FieldError[]): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({
          field: `${location}.${key}`,
          message: `unknown ${location === 'query' ? 'parameter' : 'field'}`,
        });
    } else {
      errors.push({ field: [location, ...issue.path.map(String)].join('.'), message: issue.message });
    }
  }
  return undefined;
}

const problemResponse = (description: string): ResponseConfig => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

function registerPath(registry: OpenAPIRegistry, spec: RouteSpec<StrictObject, StrictObject, StrictObject>): void {
  const body = spec.request?.body;
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    if (!response.schema && Number(status) >= 400) {
      responses[status] = problemResponse(response.description);
      continue;
    }
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
        : {}),
    };
  }
  responses['400'] ??= problemResponse('Invalid parameters or body; `errors` names the offending fields');
  if (spec.role !== 'public') responses['401'] ??= problemResponse('Missing or unknown API key');
  if (spec.role === 'operator')
    responses['403'] ??= problemResponse('The key is a viewer; this action needs an operator');
  responses['429'] ??= problemResponse(
    'Over the rate limit of this key (or address, without a key); see `Retry-After`',
  );

  registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    description: [spec.description, spec.role === 'operator' ? 'Requires the **operator** role.' : undefined]
      .filter(Boolean)
      .join('\n\n'),
    tags: spec.tags,
    security: spec.role === 'public' ? [] : [{ [BEARER_SCHEME]: [] }],
    request: {
      params: spec.request?.params,
      query: spec.request?.query,
      ...(body
        ? { body: { required: !body.safeParse({}).success, content: { 'application/json': { schema: body } } } }
        : {}),
    },
    responses,
  });
}
