import { Router, type Request, type Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { generateDocument, type OpenApiDocument } from '../http/openapi';
import { defineRoute, type RouteKit } from '../http/route';

const SWAGGER_OPTIONS = { customSiteTitle: 'Durable pipelines API', swaggerOptions: { url: '/openapi.json' } };

/**
 * `/openapi.json` and `/docs`. The document is generated on first request, from the registry
 * every `defineRoute` call filled, so it lists the routes mounted after this router too.
 * Swagger UI's assets come from the swagger-ui-dist package: nothing is fetched from a CDN.
 */
export function docsRoutes(kit: RouteKit): Router {
  const router = Router();
  let document: OpenApiDocument | undefined;

  defineRoute(router, kit, {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    tags: ['operations'],
    role: 'public',
    responses: { 200: { description: 'The OpenAPI document' } },
    handler(_input, res) {
      document ??= generateDocument(kit.registry);
      res.json(document);
    },
  });

  const label = (_req: Request, res: Response, next: () => void) => {
    res.locals.route = '/docs';
    next();
  };
  router.use(
    '/docs',
    label,
    swaggerUi.serveFiles(undefined, SWAGGER_OPTIONS),
    swaggerUi.setup(undefined, SWAGGER_OPTIONS),
  );
  return router;
}
