import { readFileSync } from 'node:fs';
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { DEFAULT_LIMITS, type Limits } from '../../../shared/limits';
import { buildOpenApiDocument, type OpenApiDocument } from '../../docs/openapi-document';

const SPEC_URL = '/openapi.json';
const REDOC_SCRIPT_URL = '/redoc/redoc.standalone.js';
/** ReDoc's sidebar credit shows this image from Redocly's CDN, whatever the options. */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

/**
 * The installed ReDoc bundle (resolved through the package, so it is found from server/ under
 * tsx or ts-jest and from dist/ alike), minus its one CDN request: an image that is empty
 * fails to load without a request, and ReDoc then simply leaves the logo out.
 */
function redocBundle(): string {
  const bundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
  return bundle.replaceAll(`src:"${REDOC_CDN_LOGO}"`, 'src:""');
}

/**
 * The pages' own Content-Security-Policy, replacing helmet's global one: everything from this
 * origin, inline styles (both UIs style elements at run time), data: images (icons), and for ReDoc
 * a blob: web worker (its search index). No `upgrade-insecure-requests`: the pages load nothing
 * but same-origin assets, and on a plain-HTTP deployment it would break their own asset requests.
 */
function pageCsp(extra: Record<string, string[]> = {}): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      ...extra,
    },
  });
}

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>chat-service API reference (ReDoc)</title>
    <link rel="icon" href="data:," />
    <style>
      body { margin: 0; }
    </style>
  </head>
  <body>
    <redoc spec-url="${SPEC_URL}"></redoc>
    <script src="${REDOC_SCRIPT_URL}"></script>
  </body>
</html>
`;

/**
 * `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`; no token needed, nothing from a CDN.
 * The document is generated from the zod schemas for the server's limits, like openapi.yaml.
 */
export function docsRoutes(limits: Limits = DEFAULT_LIMITS): Router {
  const r = Router();

  // Built on first use (it takes tens of milliseconds), then kept.
  let document: OpenApiDocument | undefined;
  r.get(SPEC_URL, (_req, res) => {
    document ??= buildOpenApiDocument(limits);
    res.json(document);
  });

  // swagger-ui-express serves swagger-ui-dist's files and a page that loads them by relative
  // URL, so `/docs` redirects to `/docs/` (the static middleware does that for a directory).
  const swaggerOptions = {
    swaggerUrl: SPEC_URL,
    customSiteTitle: 'chat-service API (Swagger UI)',
    // No validator badge: it would send the document's URL to validator.swagger.io.
    swaggerOptions: { validatorUrl: null },
  };
  r.use(
    '/docs',
    pageCsp(),
    ...swaggerUi.serveFiles(undefined, swaggerOptions),
    swaggerUi.setup(undefined, swaggerOptions),
  );

  const redocCsp = pageCsp({ 'worker-src': ["'self'", 'blob:'] });
  r.get('/redoc', redocCsp, (_req, res) => {
    res.type('html').send(REDOC_PAGE);
  });
  let bundle: string | undefined;
  r.get(REDOC_SCRIPT_URL, (_req, res) => {
    // Read on first use: servers that never show ReDoc do not hold its megabyte.
    bundle ??= redocBundle();
    res.type('js').send(bundle);
  });

  return r;
}
