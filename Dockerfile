# syntax=docker/dockerfile:1

# One image for every process: the worker by default, the API with `node dist/api/main.js`,
# migrations alone with `node dist/scripts/migrate.js` (the API and the worker also migrate at start).
# Node 24 (LTS): every dependency's `engines` accepts it (some need Node 22 or later; Node 20 is past
# its end of life); test/unit/compose.test.ts checks package-lock.json against this line.

##### build: compile TypeScript and the workflow bundle, then drop dev dependencies #####
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so this layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Only what tsconfig.build.json compiles; the build never sees .data/, .env or a host node_modules.
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY data ./data
COPY platform ./platform
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY api ./api
COPY schedules ./schedules
COPY local ./local
COPY scripts ./scripts
COPY schemas ./schemas

# Produces dist/ (compiled JS, dist/schemas and dist/workflow-bundle.js).
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

##### runtime #####
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app

# Owned by root and only readable by `node`: the processes cannot rewrite their own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node
# 3000: API; 9464: worker Prometheus metrics (WORKER_METRICS_ADDRESS must bind 0.0.0.0 to be reachable).
EXPOSE 3000 9464
CMD ["node", "dist/workers/main.js"]
