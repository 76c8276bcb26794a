import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { EARLIEST_DATE } from './schemas';

export const BEARER_SCHEME = 'bearerAuth';

/**
 * One registry per app: `defineRoute` adds each route to it as the route is mounted. Schemas with a
 * `.meta({ id })` become components where they are first used.
 */
export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from API_KEYS (`name:role:secret`): viewers read, operators also act.',
  });
  return registry;
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export function generateDocument(registry: OpenAPIRegistry): OpenApiDocument {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Durable pipelines control API',
      version: '1',
      description:
        'Find, inspect and cancel pipeline runs; list, pause, trigger and backfill schedules. ' +
        'Errors are RFC 9457 problem details. Integers in queries and paths are plain decimal digits; ' +
        `dates are YYYY-MM-DD and not before ${EARLIEST_DATE}; date-times are RFC 3339 with Z or an offset of ` +
        'at most ±15:59, in years 0001–9999 UTC. Requests are rate-limited per API key (per address without ' +
        'one): over the limit, 429 with Retry-After.',
    },
  });
}
