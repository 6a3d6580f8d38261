import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import type { TokenVerifier } from '../auth/jwt';
import type { Config } from '../config/env';
import type { RateLimiter } from '../domain/rate-limits';
import type { Services } from '../domain/services';
import type { WebhookService } from '../domain/webhooks';
import type { Logger } from '../logger';
import { httpMetrics } from '../metrics/http-metrics';
import type { Metrics } from '../metrics/metrics';
import { requireAuth } from './auth-middleware';
import { errorMiddleware, notFoundRoute } from './error-middleware';
import { refuseUnboundedBody } from './input-guard';
import { requestLog } from './request-log';
import { activityRoutes } from './routes/activity-routes';
import { adminUiRoutes } from './routes/admin-ui-routes';
import { demoRoutes } from './routes/demo-routes';
import { dmRoutes } from './routes/dm-routes';
import { docsRoutes } from './routes/docs-routes';
import { healthRoutes } from './routes/health-routes';
import { mentionRoutes } from './routes/mention-routes';
import { messageRoutes } from './routes/message-routes';
import { metricsRoutes } from './routes/metrics-routes';
import { moderationRoutes } from './routes/moderation-routes';
import { pinRoutes } from './routes/pin-routes';
import { roomRoutes } from './routes/room-routes';
import { searchRoutes } from './routes/search-routes';
import { webhookRoutes } from './routes/webhook-routes';

export interface HttpDeps {
  config: Config;
  services: Services;
  /** Outgoing webhooks (HTTP only: no socket event reaches them). */
  webhooks: WebhookService;
  payloads: PayloadSchemas;
  /** Readiness checks by name (storage, redis…); `/readyz` is 503 while any rejects. */
  readiness: Record<string, () => Promise<void>>;
  verify: TokenVerifier;
  rateLimiter: RateLimiter;
  logger: Logger;
  metrics: Metrics;
}

/** Configures the Express app (created earlier, so Socket.IO could attach to the same server). */
export function configureHttpApp(app: Express, deps: HttpDeps): Express {
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  // First, so that every request is timed, whatever answers it.
  app.use(httpMetrics(deps.metrics));
  app.use(helmet());
  app.use(cors({ origin: deps.config.corsOrigins }));
  app.use(requestLog(deps.logger));
  app.use(healthRoutes(deps.readiness));
  app.use(metricsRoutes(deps.metrics));
  app.use(adminUiRoutes(deps.config.adminUi.enabled));
  app.use(docsRoutes(deps.config.limits));
  app.use(demoRoutes(undefined, { sourceMaps: deps.config.env !== 'production' }));
  const api = express.Router();
  // Authenticate before reading a body: unauthenticated callers never get a megabyte parsed.
  api.use(requireAuth(deps.verify, deps.rateLimiter));
  api.use(express.json({ limit: deps.config.limits.bodyBytes }));
  api.use(refuseUnboundedBody);
  api.use(roomRoutes(deps.services, deps.payloads));
  api.use(messageRoutes(deps.services, deps.payloads));
  api.use(activityRoutes(deps.services, deps.payloads));
  api.use(dmRoutes(deps.services, deps.payloads));
  api.use(mentionRoutes(deps.services, deps.payloads));
  api.use(searchRoutes(deps.services, deps.payloads));
  api.use(pinRoutes(deps.services, deps.payloads));
  api.use(moderationRoutes(deps.services, deps.payloads));
  api.use(webhookRoutes(deps.webhooks));
  app.use('/api', api);

  app.use(notFoundRoute);
  app.use(errorMiddleware(deps.logger));
  return app;
}
