import { Router } from 'express';
import type { Metrics } from '../../metrics/metrics';

/** `/metrics`: Prometheus text exposition, no token (scrapers are kept out at the network level). */
export function metricsRoutes(metrics: Metrics): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.scrape();
    res.type(contentType).send(body);
  });
  return r;
}
