import { Router } from 'express';
import type { ChatStore } from '../../store/types';
import { SERVICE_NAME, SERVICE_VERSION } from '../../version';

const READINESS_TIMEOUT_MS = 2000;

/** Liveness and readiness; no token needed. */
export function healthRoutes(store: ChatStore): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.json({ status: 'ok', service: SERVICE_NAME, version: SERVICE_VERSION });
  });
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const storage = await withTimeout(store.ping(), READINESS_TIMEOUT_MS).then(
      () => 'up' as const,
      () => 'down' as const,
    );
    res.status(storage === 'up' ? 200 : 503).json({
      status: storage === 'up' ? 'ready' : 'unavailable',
      checks: { storage },
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
