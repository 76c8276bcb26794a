import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { problemErrorHandler } from '../../api/http/error-handler';
import { DATE_PATTERN, INSTANT_PATTERN } from '../../api/http/calendar';
import { EARLIEST_DATE } from '../../api/http/schemas';
import { MAX_BACKFILL_RUNS } from '../../api/schedules/backfill';
import { MAX_BACKFILL_DAYS } from '../../api/schedules/backfill-window';
import { createLogger } from '../../lib/logger';
import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';
import { startTestApi, type TestApi } from './api-client';

const PROBLEM_JSON = /^application\/problem\+json/;

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTestContext({ API_BODY_LIMIT: '1kb' });
  api = await startTestApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

describe('authentication', () => {
  it('answers 401 with a Bearer challenge without a key', async () => {
    const response = await api.get('/api/v1/runs', null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(response.json).toMatchObject({ status: 401, title: 'Unauthorized', instance: '/api/v1/runs' });
  });

  it('answers 401 for an unknown key, and for a known key one character short', async () => {
    for (const key of ['not-a-key-at-all-000000', TEST_KEYS.operator.slice(0, -1)]) {
      const response = await api.get('/api/v1/runs', key);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('needs a key for any path under /api/v1, even one that does not exist', async () => {
    expect((await api.get('/api/v1/nothing-here', null)).status).toBe(401);
    expect((await api.get('/api/v1/nothing-here', TEST_KEYS.viewer)).status).toBe(404);
  });

  it('lets a viewer read but not act', async () => {
    expect((await api.get('/api/v1/runs?limit=1', TEST_KEYS.viewer)).status).toBe(200);
    const response = await api.post('/api/v1/runs/some-workflow/cancel', undefined, TEST_KEYS.viewer);
    expect(response.status).toBe(403);
    expect(response.json.detail).toMatch(/operator/);
  });

  it.each([['/dashboards/batch-jobs/daily?fecha=2026-01-01'], ['/api/v1/schedules/any/pause']])(
    'checks the key of %s before reading its body: 401 for a 2 MB body and for bad JSON',
    async (path) => {
      const huge = JSON.stringify({ note: 'x'.repeat(2 * 1024 * 1024) });
      for (const rawBody of [huge, '{"note": ']) {
        const response = await api.request('POST', path, { key: null, rawBody });
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
      }
      // The role is checked before the body too: a viewer gets 403, not 413.
      expect((await api.request('POST', path, { key: TEST_KEYS.viewer, rawBody: huge })).status).toBe(403);
      // With an operator key the body is read, and refused for what it is.
      expect((await api.request('POST', path, { rawBody: huge })).status).toBe(413);
    },
  );

  it('never logs a key or the Authorization header', async () => {
    await api.get('/api/v1/runs?limit=1', TEST_KEYS.viewer);
    await api.get('/api/v1/runs?limit=1', 'wrong-key-wrong-key-wrong');
    const logs = api.logs.join('\n');
    expect(logs).toContain('"route":"/api/v1/runs"');
    for (const secret of [TEST_KEYS.operator, TEST_KEYS.viewer, 'wrong-key-wrong-key-wrong', 'Bearer']) {
      expect(logs).not.toContain(secret);
    }
    expect(logs.toLowerCase()).not.toContain('authorization');
  });
});

describe('validation', () => {
  it.each<[string, string, string]>([
    ['an unknown query parameter', '/api/v1/runs?staus=Failed', 'query.staus'],
    ['limit=0', '/api/v1/runs?limit=0', 'query.limit'],
    ['limit=abc', '/api/v1/runs?limit=abc', 'query.limit'],
    ...['0x10', '1e2', '+5', '%205', '5.0', '', '-0x1', '1_0'].map((value): [string, string, string] => [
      `limit=${value}: integers are plain decimals`,
      `/api/v1/runs?limit=${value}`,
      'query.limit',
    ]),
    ['a business date before 2000-01-01', '/api/v1/runs?businessDate=1999-12-31', 'query.businessDate'],
    ['limit=201', '/api/v1/runs?limit=201', 'query.limit'],
    ['an unknown pipeline', '/api/v1/runs?pipeline=billing', 'query.pipeline'],
    ['an unknown status', '/api/v1/runs?status=Exploded', 'query.status'],
    [
      'a target that tries to break out of the query',
      `/api/v1/runs?target=${encodeURIComponent("x' OR 1=1")}`,
      'query.target',
    ],
    ['an impossible business date', '/api/v1/runs?businessDate=2026-02-30', 'query.businessDate'],
    ['a repeated parameter', '/api/v1/runs?limit=1&limit=2', 'query.limit'],
  ])('answers 400 naming the field for %s', async (_name, url, field) => {
    const response = await api.get(url, TEST_KEYS.viewer);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(response.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await api.request('POST', '/api/v1/schedules/any/backfill', { rawBody: '{"start": ' });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ status: 400, detail: 'The request body is not valid JSON' });
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const response = await api.request('POST', '/api/v1/schedules/any/backfill', {
      rawBody: 'start=2026-01-01',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(415);
  });

  it('answers 400 for a body field sent to an action that takes no body', async () => {
    const response = await api.post('/api/v1/runs/some-workflow/cancel', { force: true });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ field: 'body.force', message: 'unknown field' }]);
  });

  it.each(['gzip', 'deflate', 'br'])(
    'answers 400 for a body that says Content-Encoding: %s but is not',
    async (encoding) => {
      const response = await api.request('POST', '/api/v1/schedules/any/backfill', {
        rawBody: '{"start":"2026-01-01","end":"2026-01-02"}',
        headers: { 'content-encoding': encoding },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(response.json.detail).toMatch(/Content-Encoding/);
    },
  );

  it('reads a body that is compressed as it says', async () => {
    const response = await api.request('POST', '/api/v1/schedules/any/pause', {
      rawBody: gzipSync('{"reason":"typo"}'),
      headers: { 'content-encoding': 'gzip' },
    });
    // Decoded and validated: the unknown field is named.
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ field: 'body.reason', message: 'unknown field' }]);
  });

  it.each([
    ['a public seed route, without a key', 'POST', '/dashboards/batch-jobs/trigger/%zz', null],
    ['a lone %', 'GET', '/api/v1/runs/%', TEST_KEYS.viewer],
    ['a truncated UTF-8 sequence', 'GET', '/api/v1/runs/%E0%A4%A', TEST_KEYS.viewer],
    ['an overlong UTF-8 sequence', 'POST', '/api/v1/schedules/%C0%AF/trigger', TEST_KEYS.operator],
  ])('answers 400 for a path parameter that is not valid percent-encoding: %s', async (_name, method, path, key) => {
    const response = await api.request(method, path, { key });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(response.json).toMatchObject({ status: 400, detail: expect.stringMatching(/percent-encoding/) });
  });

  it('answers 413 for a body over API_BODY_LIMIT', async () => {
    const response = await api.post('/api/v1/schedules/any/pause', { note: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ status: 413, detail: expect.stringContaining('1kb') });
  });
});

describe('errors', () => {
  it('answers 404 problem+json for an unknown route', async () => {
    const response = await api.get('/no/such/route');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(response.json).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      instance: '/no/such/route',
    });
  });

  it('answers 405 with the allowed methods for a known path asked with another method', async () => {
    const response = await api.request('DELETE', '/api/v1/schedules');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect((await api.request('GET', '/api/v1/runs/some-id/cancel')).headers.get('allow')).toBe('POST');
  });

  it('answers 404 for a workflow that does not exist', async () => {
    const response = await api.get(`/api/v1/runs/${encodeURIComponent(`no/such/workflow-${Date.now()}`)}`);
    expect(response.status).toBe(404);
    expect(response.json.detail).toContain('no/such/workflow-');
  });

  it('answers 500 with a generic detail and logs the error, never the stack', async () => {
    const lines: string[] = [];
    const logger = createLogger('error', {}, { write: (line: string) => lines.push(line) });
    const app = express();
    app.get('/boom', () => {
      throw new Error('database password is hunter2');
    });
    app.use(problemErrorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/boom`);
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('at ');
      expect(lines.join('')).toContain('hunter2');
    } finally {
      server.close();
    }
  });
});

describe('the error handler', () => {
  /** An app whose one route throws `error`, answered by the real error handler. */
  async function answerTo(error: Error) {
    const lines: string[] = [];
    const logger = createLogger('error', {}, { write: (line: string) => lines.push(line) });
    const app = express();
    app.get('/boom', () => {
      throw error;
    });
    app.use(problemErrorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/boom`);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
        lines,
      };
    } finally {
      server.close();
    }
  }

  it.each([
    ['status', 418],
    ['statusCode', 429],
  ])('honours a 4xx `%s` on any error, without showing its message', async (property, code) => {
    const answer = await answerTo(Object.assign(new Error('table secret_stuff is locked'), { [property]: code }));
    expect(answer.status).toBe(code);
    expect(answer.type).toMatch(PROBLEM_JSON);
    expect(JSON.parse(answer.text)).toMatchObject({ status: code });
    expect(answer.text).not.toContain('secret_stuff');
  });

  it('answers a 5xx status as any other failure: 500, logged', async () => {
    const answer = await answerTo(Object.assign(new Error('upstream secret_stuff'), { status: 502 }));
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain('secret_stuff');
    expect(answer.lines.join('')).toContain('secret_stuff');
  });
});

describe('metrics, OpenAPI and docs', () => {
  it('counts requests by route pattern, not raw URL', async () => {
    await api.get('/api/v1/runs/some%2Fworkflow-id');
    const response = await api.get('/metrics', null);
    expect(response.status).toBe(200);
    expect(response.text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/runs\/:workflowId",status="404"\} \d+/,
    );
    expect(response.text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/runs"/,
    );
    expect(response.text).toContain('process_cpu_user_seconds_total');
    expect(response.text).not.toContain('some%2Fworkflow-id');
  });

  it('publishes an OpenAPI 3.1 document of the same schemas, with bearer security', async () => {
    const { status, json: doc } = await api.get('/openapi.json', null);
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/runs',
        '/api/v1/runs/{workflowId}',
        '/api/v1/runs/{workflowId}/cancel',
        '/api/v1/schedules',
        '/api/v1/schedules/{id}',
        '/api/v1/schedules/{id}/pause',
        '/api/v1/schedules/{id}/unpause',
        '/api/v1/schedules/{id}/trigger',
        '/api/v1/schedules/{id}/backfill',
        '/health',
      ]),
    );
    expect(doc.paths['/api/v1/runs'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    const limit = doc.paths['/api/v1/runs'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', schema: { minimum: 1, maximum: 200, default: 50 } });
    expect(doc.paths['/api/v1/runs/{workflowId}/cancel'].post.responses).toHaveProperty('403');
    expect(doc.paths['/api/v1/schedules/{id}/backfill'].post.requestBody.required).toBe(true);
  });

  it('states what the handlers enforce: date patterns and floor, integer bounds, backfill limits', async () => {
    const { json: doc } = await api.get('/openapi.json', null);
    expect(doc.info.description).toContain(`not before ${EARLIEST_DATE}`);
    const param = (path: string, name: string) =>
      (doc.paths[path].get ?? doc.paths[path].post).parameters.find((p: { name: string }) => p.name === name);
    for (const [path, name] of [
      ['/dashboards/batch-jobs/daily', 'fecha'],
      ['/dashboards/batch-jobs/weekly', 'fecha_fin'],
      ['/api/v1/runs', 'businessDate'],
    ] as const) {
      const { schema } = param(path, name);
      expect(schema).toMatchObject({ type: 'string', pattern: DATE_PATTERN });
      expect(schema.description).toContain(`not before ${EARLIEST_DATE}`);
    }
    // The pattern alone says which dates are valid: 0000-00-00 and February 29 of a common year are not.
    const date = new RegExp(DATE_PATTERN, 'u');
    expect(['2000-01-01', '2024-02-29', '9999-12-31'].filter((value) => date.test(value))).toHaveLength(3);
    expect(['0000-00-00', '1999-12-31', '2026-02-29', '2026-13-01', '10000-01-01'].some((v) => date.test(v))).toBe(
      false,
    );
    // Date-times: the offsets PostgreSQL takes (±15:59), years 0001–9999.
    const from = param('/api/v1/compliance/submissions', 'from').schema;
    expect(from).toMatchObject({ type: 'string', format: 'date-time', pattern: INSTANT_PATTERN });
    const instant = new RegExp(INSTANT_PATTERN, 'u');
    expect(instant.test('2026-12-06T20:03:08-15:59') && instant.test('2016-12-31T23:59:60Z')).toBe(true);
    expect(['+16:00', '+21:23'].some((offset) => instant.test(`2026-12-06T20:03:08${offset}`))).toBe(false);
    // Body constraints the handlers enforce: an ETL backfill names both days; a flow limit is positive.
    const etlBody = doc.paths['/api/v1/etl/refresh/table/{table}'].post.requestBody.content['application/json'].schema;
    expect(etlBody.dependentRequired).toEqual({ start: ['end'], end: ['start'] });
    const configPatch = doc.components.schemas.TelemetryConfigPatch;
    expect(configPatch.properties.maxM3PerHour).toEqual({ type: 'number', exclusiveMinimum: 0 });
    expect(param('/dashboards/metrics/calculated', 'limit').schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    expect(param('/api/v1/cv/analytics/ott', 'days').schema).toMatchObject({ type: 'integer', maximum: 36600 });
    const backfill = doc.paths['/api/v1/schedules/{id}/backfill'].post;
    expect(backfill.description).toContain(`${MAX_BACKFILL_DAYS} days`);
    expect(backfill.description).toContain(`${MAX_BACKFILL_RUNS} runs`);
    expect(backfill.description).toContain(EARLIEST_DATE);
  });

  it('serves Swagger UI from local assets', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/src="https?:/);
    expect((await fetch(`${api.url}/docs/swagger-ui-init.js`).then((r) => r.text())).includes('/openapi.json')).toBe(
      true,
    );
    expect((await fetch(`${api.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('npm run api', () => {
  const children: ChildProcessByStdio<null, null, Readable>[] = [];
  // Only if jest's bound ran out while one was still loading.
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  // Run as `npm run api` runs it, and wait for it to exit however long loading takes on a busy
  // machine: the assertion is on how it ends, never on how fast (jest's timeout is the only bound).
  async function runApi(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../api/main.ts')], {
      cwd: path.resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [status] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return { status, stderr };
  }

  it(
    'refuses to start without API_KEYS, naming the variable',
    async () => {
      expect(await runApi({})).toEqual({ status: 2, stderr: expect.stringContaining('API_KEYS') });
    },
    5 * 60_000,
  );

  it(
    'refuses to start without DATABASE_URL in one line naming it, not a stack trace',
    async () => {
      const { status, stderr } = await runApi({ API_KEYS: 'ops:operator:0123456789abcdefgh' });
      expect(status).toBe(2);
      expect(stderr.trim().split('\n')).toEqual([expect.stringContaining('DATABASE_URL')]);
    },
    5 * 60_000,
  );
});
