import type { Express } from 'express';
import { z } from 'zod';

/**
 * Every route an Express 5 app has registered, as `METHOD /path` in OpenAPI form (`:room_id` →
 * `{room_id}`), read from the router's layers: a layer with a `route` is a route; a layer whose
 * handler is a router (it has a `stack`) is walked with its mount path (`rawPath`) as prefix;
 * anything else is middleware. Express 5's layers are not what @types/express describes, so
 * they are read through a schema.
 */
export function registeredRoutes(app: Express): string[] {
  return walk(app.router.stack, '').sort();
}

const layerSchema = z.object({
  route: z
    .object({
      path: z.union([z.string(), z.array(z.string())]),
      methods: z.record(z.string(), z.boolean()),
    })
    .optional(),
  rawPath: z.unknown(),
  handle: z.unknown(),
});

function walk(stack: readonly unknown[], prefix: string): string[] {
  return stack.flatMap((item) => {
    const layer = layerSchema.parse(item);
    if (layer.route) {
      const { path, methods } = layer.route;
      const verbs = Object.keys(methods).filter((m) => methods[m] && m !== '_all');
      return [path]
        .flat()
        .flatMap((p) => verbs.map((verb) => `${verb.toUpperCase()} ${openApiPath(prefix + p)}`));
    }
    const nested = routerStack(layer.handle);
    if (!nested) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return walk(nested, prefix + mount);
  });
}

function routerStack(handle: unknown): unknown[] | undefined {
  if (typeof handle !== 'function' || !('stack' in handle) || !Array.isArray(handle.stack)) return undefined;
  return handle.stack;
}

function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
