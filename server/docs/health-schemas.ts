import { z } from 'zod';

/**
 * The answers of `/healthz` and `/readyz`, which have no schema in shared/ because no client
 * library reads them (orchestrators look at the status code). tests/docs checks the real answers
 * against these, so the documentation cannot drift from server/http/routes/health-routes.ts.
 */
export const livenessSchema = z.strictObject({ status: z.literal('ok') });

export const readinessSchema = z.strictObject({
  status: z.enum(['ready', 'unavailable']),
  /** One entry per dependency the server checks (storage, and redis when configured). */
  checks: z.record(z.string(), z.enum(['up', 'down'])),
});
