import { Router } from 'express';
import {
  createWebhookRequestSchema,
  updateWebhookRequestSchema,
  webhookDeliveryParamsSchema,
  webhookDeliveryQuerySchema,
  webhookIdParamSchema,
  webhookListQuerySchema,
} from '../../../shared/schemas/webhooks';
import type { WebhookService } from '../../domain/webhooks';
import { actorOf } from '../context';

/** Outgoing webhooks: hooks, their delivery logs, redelivery (docs/webhooks.md). */
export function webhookRoutes(webhooks: WebhookService): Router {
  const r = Router();

  r.post('/webhooks', async (req, res) => {
    const input = createWebhookRequestSchema.parse(req.body);
    res.status(201).json(await webhooks.create(actorOf(res), input));
  });

  r.get('/webhooks', async (req, res) => {
    res.json(await webhooks.list(actorOf(res), webhookListQuerySchema.parse(req.query)));
  });

  r.get('/webhooks/:id', async (req, res) => {
    const { id } = webhookIdParamSchema.parse(req.params);
    res.json(await webhooks.get(actorOf(res), id));
  });

  r.patch('/webhooks/:id', async (req, res) => {
    const { id } = webhookIdParamSchema.parse(req.params);
    const change = updateWebhookRequestSchema.parse(req.body);
    res.json(await webhooks.update(actorOf(res), id, change));
  });

  r.delete('/webhooks/:id', async (req, res) => {
    const { id } = webhookIdParamSchema.parse(req.params);
    await webhooks.delete(actorOf(res), id);
    res.status(204).end();
  });

  r.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = webhookIdParamSchema.parse(req.params);
    const query = webhookDeliveryQuerySchema.parse(req.query);
    res.json(await webhooks.deliveries(actorOf(res), id, query));
  });

  r.post('/webhooks/:id/deliveries/:delivery_id/redeliver', async (req, res) => {
    const { id, delivery_id } = webhookDeliveryParamsSchema.parse(req.params);
    res.json(await webhooks.redeliver(actorOf(res), id, delivery_id));
  });

  return r;
}
