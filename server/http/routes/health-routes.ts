import { Router } from 'express';
import { SERVICE_NAME, SERVICE_VERSION } from '../../version';

const READINESS_TIMEOUT_MS = 2000;

/** Liveness and readiness; no token needed. `/readyz` runs every check and is 503 while any fails. */
export function healthRoutes(readiness: Record<string, () => Promise<void>>): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.json({ status: 'ok', service: SERVICE_NAME, version: SERVICE_VERSION });
  });
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(readiness).map(async ([name, check]) => {
        const state = await withTimeout(check(), READINESS_TIMEOUT_MS).then(
          () => 'up' as const,
          () => 'down' as const,
        );
        return [name, state] as const;
      }),
    );
    const ready = results.every(([, state]) => state === 'up');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      checks: Object.fromEntries(results),
    });
  });
  return r;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
