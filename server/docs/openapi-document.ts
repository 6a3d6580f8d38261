import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  zodToOpenAPIRegistry,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_HTTP_STATUS, ErrorCode, type HttpError } from '../../shared/errors';
import { DEFAULT_LIMITS, type Limits } from '../../shared/limits';
import { createPayloadSchemas } from '../../shared/schemas/payloads';
import { SERVICE_NAME, SERVICE_VERSION } from '../version';
import { httpBodySchemas, objectSchemas, serviceSchemas, type NamedSchema } from './named-schemas';
import { apiRoutes, serviceRoutes, TAGS, type RouteDoc } from './openapi-routes';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The name of each error's response component, and what it means in general. */
const ERROR_RESPONSES: Readonly<
  Record<ErrorCode, { name: string; description: string; example: HttpError }>
> = {
  VALIDATION_ERROR: {
    name: 'ValidationError',
    description:
      'The request is invalid: a field breaks its schema or a limit (`details` names each field and why), an unknown field, or a body that is not a JSON object.',
    example: {
      error: {
        code: 'VALIDATION_ERROR',
        message: 'Invalid field "content": must not be empty',
        details: [{ field: 'content', reason: 'must not be empty' }],
      },
    },
  },
  UNAUTHORIZED: {
    name: 'Unauthorized',
    description: 'The bearer token is missing, malformed, expired or wrongly signed.',
    example: { error: { code: 'UNAUTHORIZED', message: 'missing token' } },
  },
  FORBIDDEN: {
    name: 'Forbidden',
    description: 'The caller may see this but not do this.',
    example: { error: { code: 'FORBIDDEN', message: 'join the room first' } },
  },
  NOT_FOUND: {
    name: 'NotFound',
    description: 'No such object, or the caller may not see it (private rooms are invisible to non-members).',
    example: {
      error: {
        code: 'NOT_FOUND',
        message: 'room not found',
        details: [{ field: 'room_id', reason: 'not found' }],
      },
    },
  },
  CONFLICT: {
    name: 'Conflict',
    description: 'The object is in a state that does not allow this.',
    example: { error: { code: 'CONFLICT', message: 'the message is deleted' } },
  },
  PAYLOAD_TOO_LARGE: {
    name: 'PayloadTooLarge',
    description: 'The body is larger than MAX_HTTP_BODY_BYTES (default 1 MB).',
    example: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' } },
  },
  RATE_LIMITED: {
    name: 'RateLimited',
    description:
      'Over budget. Wait `retry_after_ms` (also the `Retry-After` header, in seconds) before trying again.',
    example: { error: { code: 'RATE_LIMITED', message: 'Too many messages', retry_after_ms: 350 } },
  },
  INTERNAL_ERROR: {
    name: 'InternalError',
    description: 'An unexpected failure; the answer never carries internal details.',
    example: { error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } },
  },
};

/** Why each error can happen on any /api operation, unless the route says more precisely. */
const API_ERRORS: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'the bearer token is missing, malformed, expired or wrongly signed',
  RATE_LIMITED: 'too many failed authentications from this address',
  INTERNAL_ERROR: 'an unexpected failure',
};
const INPUT_ERRORS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: 'a path or query parameter breaks its schema (`details` names it)',
};
const BODY_ERRORS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_ERROR:
    'the body breaks its schema or a limit, has unknown fields, or is not a JSON object (`details` names each field)',
  PAYLOAD_TOO_LARGE: 'the body is larger than MAX_HTTP_BODY_BYTES',
};

const SECURITY_SCHEME = 'bearerAuth';

const DESCRIPTION = [
  'Real-time chat service: rooms and direct messages, messages with threads, mentions, reactions and pins, full-text search, moderation, typing and presence.',
  'This document covers the HTTP API. The same service layer serves Socket.IO on the `/chat` namespace (described by `asyncapi.yaml` in the repository): a message posted here reaches sockets as `message:new`.',
  '**Authentication.** Every `/api` call needs `Authorization: Bearer <JWT>` (HS256, `sub` = user id, `name` = display name, `exp` honoured). The token decides who acts: the seed’s `user_id` / `creator_id` body fields are optional and must equal `sub`. In Swagger UI, press *Authorize* and paste a token from `npm run token -- <user_id> <name>`.',
  '**Errors** answer `{ "error": { "code", "message", "details"?, "retry_after_ms"? } }` with the code’s status. Every object field is always present; an absent value is `null`. Times are ISO 8601 UTC.',
].join('\n\n');

/** Gives the contract's schema instances their component names (zod-to-openapi reads names per instance). */
function nameSchema({ name, schema, description, example, extends: parent }: NamedSchema): void {
  zodToOpenAPIRegistry.add(schema, {
    _internal: {
      refId: name,
      ...(parent ? { extendedFrom: { refId: parent.name, schema: parent.schema } } : {}),
    },
    description,
    ...(example === undefined ? {} : { examples: [example] }),
  });
}

/**
 * Query strings arrive as text; the server parses whole numbers with a pipe (digits → number →
 * limits). The document shows what that pipe accepts: the number schema at its end.
 */
function documentedQuery(query: z.ZodObject): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(query.shape).map(([key, field]) => {
      const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
      if (inner instanceof z.ZodPipe && inner.out instanceof z.ZodNumber) return [key, inner.out.optional()];
      return [key, field];
    }),
  );
  return z.strictObject(shape);
}

function errorResponses(route: RouteDoc, isApi: boolean): RouteConfig['responses'] {
  const reasons: Partial<Record<ErrorCode, string>> = {
    ...(isApi ? API_ERRORS : {}),
    ...(route.params || route.query ? INPUT_ERRORS : {}),
    ...(route.body ? BODY_ERRORS : {}),
    ...route.errors,
  };
  const responses: RouteConfig['responses'] = {};
  for (const code of Object.values(ErrorCode)) {
    const reason = reasons[code];
    if (reason === undefined) continue;
    responses[ERROR_HTTP_STATUS[code]] = {
      $ref: `#/components/responses/${ERROR_RESPONSES[code].name}`,
      // OpenAPI 3.1 lets a reference override the description: say when it happens here.
      description: `\`${code}\`: ${reason}.`,
    };
  }
  return responses;
}

function toRouteConfig(route: RouteDoc): RouteConfig {
  const isApi = route.path.startsWith('/api/');
  const responses: RouteConfig['responses'] = {};
  for (const answer of route.answers) {
    responses[answer.status] = {
      description: answer.description,
      ...(answer.schema
        ? { content: { [answer.mediaType ?? 'application/json']: { schema: answer.schema } } }
        : {}),
    };
  }
  return {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: isApi ? [{ [SECURITY_SCHEME]: [] }] : [],
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: documentedQuery(route.query) } : {}),
      ...(route.body
        ? { body: { required: true, content: { 'application/json': { schema: route.body } } } }
        : {}),
    },
    responses: { ...responses, ...errorResponses(route, isApi) },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the zod schemas the server validates with
 * (payload schemas for `limits`, so a server configured with other limits documents its own).
 */
export function buildOpenApiDocument(limits: Limits = DEFAULT_LIMITS): OpenApiDocument {
  const payloads = createPayloadSchemas(limits);
  for (const named of [...objectSchemas, ...serviceSchemas, ...httpBodySchemas(payloads)]) nameSchema(named);

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An HS256 JWT signed with JWT_SECRET: `sub` = user id, `name` = display name. `npm run token -- <user_id> <name>` mints one locally.',
  });
  registry.registerComponent('headers', 'RetryAfter', {
    description: 'Seconds to wait before the next attempt can succeed.',
    schema: { type: 'integer', minimum: 0 },
  });
  for (const code of Object.values(ErrorCode)) {
    const { name, description, example } = ERROR_RESPONSES[code];
    registry.registerComponent('responses', name, {
      description,
      ...(code === 'RATE_LIMITED'
        ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } }
        : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' }, example } },
    });
  }
  for (const route of [...serviceRoutes, ...apiRoutes(payloads)]) registry.registerPath(toRouteConfig(route));

  const errorSchema = objectSchemas.find((s) => s.name === 'HttpError');
  if (!errorSchema) throw new Error('HttpError is not a named schema');
  const generator = new OpenApiGeneratorV31(
    // The error responses refer to HttpError by name; list it so it is generated.
    [...registry.definitions, { type: 'schema', schema: errorSchema.schema }],
    { sortComponents: 'alphabetically' },
  );
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: SERVICE_NAME,
      version: SERVICE_VERSION,
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The server this document is served by' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  });
}
