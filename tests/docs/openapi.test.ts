import { execFile } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { ERROR_HTTP_STATUS, httpErrorSchema } from '../../shared/errors';
import { DEFAULT_LIMITS } from '../../shared/limits';
import { createPayloadSchemas } from '../../shared/schemas/payloads';
import { livenessSchema, readinessSchema } from '../../server/docs/health-schemas';
import { httpBodySchemas, objectSchemas, serviceSchemas } from '../../server/docs/named-schemas';
import { buildOpenApiDocument } from '../../server/docs/openapi-document';
import { startServer, type TestServer } from '../helpers/server';
import { expectCheckedInCurrent, PROJECT_ROOT } from './doc-files';
import { registeredRoutes } from './registered-routes';

/**
 * Human pages, not API operations: like FastAPI's own /docs and /redoc, they are left out of the
 * document (their HTML and assets are not an interface a client programs against). /admin is the
 * Socket.IO Admin UI, mounted only when enabled.
 */
const PAGES = ['/docs', '/redoc', '/demo', '/admin'];
const isPage = (route: string): boolean => {
  const routePath = route.split(' ')[1] ?? '';
  return PAGES.some((page) => routePath === page || routePath.startsWith(`${page}/`));
};

const responseSchema = z.union([
  z.strictObject({ $ref: z.string(), description: z.string() }),
  z.looseObject({ description: z.string() }),
]);
const operationSchema = z.looseObject({
  operationId: z.string(),
  summary: z.string(),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  parameters: z.array(z.looseObject({ in: z.string(), name: z.string() })).optional(),
  requestBody: z.unknown().optional(),
  responses: z.record(z.string(), responseSchema),
});
/** The parts of the document these tests read. */
const documentSchema = z.looseObject({
  paths: z.record(z.string(), z.record(z.string(), operationSchema)),
  components: z.looseObject({
    responses: z.record(
      z.string(),
      z.looseObject({ content: z.object({ 'application/json': z.looseObject({ example: z.unknown() }) }) }),
    ),
  }),
});

const document = buildOpenApiDocument();
const parsed = documentSchema.parse(JSON.parse(JSON.stringify(document)));
const operations = Object.entries(parsed.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${p}`, operation })),
);

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: PROJECT_ROOT,
        // Nothing goes to the network: no telemetry, no update check.
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('openapi.yaml', () => {
  test('is what `npm run docs` generates from the zod schemas', async () => {
    await expectCheckedInCurrent('openapi.yaml', document);
  });

  test('passes `redocly lint` (recommended rules, redocly.yaml) with no error and no warning', async () => {
    const redocly = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'redocly');
    const { code, stdout, stderr } = await run(redocly, ['lint', 'openapi.yaml', '--format=json']);
    const report = z
      .object({
        totals: z.object({ errors: z.number(), warnings: z.number() }),
        problems: z.array(z.looseObject({ ruleId: z.string(), message: z.string() })),
      })
      .parse(JSON.parse(stdout));
    expect({ code, problems: report.problems, stderr: code === 0 ? '' : stderr }).toEqual({
      code: 0,
      problems: [],
      stderr: '',
    });
    expect(report.totals).toEqual({ errors: 0, warnings: 0 });
  }, 60_000);

  test('names the seed’s data models and every example fits its schema', () => {
    const named = [
      ...objectSchemas,
      ...serviceSchemas,
      ...httpBodySchemas(createPayloadSchemas(DEFAULT_LIMITS)),
    ];
    const schemas = z.record(z.string(), z.unknown()).parse(document.components?.schemas);
    for (const name of [
      'CreateRoomRequest',
      'MessageRequest',
      'TypingRequest',
      'Room',
      'RoomDetail',
      'Message',
    ]) {
      expect(schemas).toHaveProperty(name);
    }
    for (const { name, schema, example } of named) {
      if (example === undefined) continue;
      const result = schema.safeParse(example);
      expect({ name, issues: result.error?.issues ?? [] }).toEqual({ name, issues: [] });
    }
  });

  test('each error response is the contract’s body with the code that maps to its status', () => {
    const statusOf = new Map(
      Object.entries(parsed.components.responses).map(([name, response]) => {
        const body = httpErrorSchema.parse(response.content['application/json'].example);
        return [`#/components/responses/${name}`, ERROR_HTTP_STATUS[body.error.code]];
      }),
    );
    let checked = 0;
    for (const { route, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!('$ref' in response) || typeof response.$ref !== 'string') continue;
        expect({ route, status: statusOf.get(response.$ref) }).toEqual({ route, status: Number(status) });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  test('every /api operation needs the bearer token and documents the errors any /api call can give', () => {
    const api = operations.filter(({ route }) => route.includes(' /api/'));
    expect(api.length).toBeGreaterThan(10);
    for (const { route, operation } of api) {
      const statuses = Object.keys(operation.responses);
      const takesInput = operation.parameters !== undefined || operation.requestBody !== undefined;
      expect({ route, security: operation.security }).toEqual({ route, security: [{ bearerAuth: [] }] });
      expect({ route, statuses }).toEqual({ route, statuses: expect.arrayContaining(['401', '429', '500']) });
      if (takesInput)
        expect({ route, statuses }).toEqual({ route, statuses: expect.arrayContaining(['400']) });
      if (operation.requestBody) {
        expect({ route, statuses }).toEqual({ route, statuses: expect.arrayContaining(['413']) });
      }
    }
    const publicRoutes = operations.filter(({ route }) => !route.includes(' /api/'));
    for (const { route, operation } of publicRoutes)
      expect({ route, security: operation.security }).toEqual({ route, security: [] });
  });
});

describe('the running server and its document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  test('documents every route the server registers, and only those (HTML pages aside)', () => {
    const registered = registeredRoutes(server.app.expressApp).filter((route) => !isPage(route));
    const documented = operations.map(({ route }) => route).sort();
    expect(registered).toEqual([...new Set(registered)]);
    expect({ undocumented: registered.filter((r) => !documented.includes(r)) }).toEqual({ undocumented: [] });
    expect({ notServed: documented.filter((r) => !registered.includes(r)) }).toEqual({ notServed: [] });
  });

  test('GET /openapi.json serves the generated document, without a token', async () => {
    const res = await server.http('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(document)));
  });

  test('/healthz and /readyz answer what the document says', async () => {
    const live = await server.http('GET', '/healthz');
    expect(live.status).toBe(200);
    expect(livenessSchema.parse(live.body)).toEqual({ status: 'ok' });
    const ready = await server.http('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(readinessSchema.parse(ready.body)).toMatchObject({ status: 'ready', checks: { storage: 'up' } });
  });

  test.each(['/docs', '/redoc'])(
    '%s answers an HTML page that loads only this server’s assets',
    async (page) => {
      const res = await fetch(`${server.url}${page}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      const urls = [...html.matchAll(/\b(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1] ?? '');
      const assets = urls.filter((u) => !u.startsWith('data:'));
      expect(assets.length).toBeGreaterThan(0);
      for (const url of assets) {
        const resolved = new URL(url, res.url);
        expect({ url, origin: resolved.origin }).toEqual({ url, origin: server.url });
        const asset = await fetch(resolved);
        expect({ url, status: asset.status }).toEqual({ url, status: 200 });
        await asset.arrayBuffer();
      }
    },
  );

  test('the ReDoc bundle it serves asks no CDN for its logo', async () => {
    const res = await fetch(`${server.url}/redoc/redoc.standalone.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const script = await res.text();
    expect(script.length).toBeGreaterThan(500_000);
    expect(script).not.toContain('cdn.redoc.ly');
  });
});
