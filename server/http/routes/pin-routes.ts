import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf } from '../context';

/** Pinning a message (PUT, idempotent), unpinning it (DELETE) and a room's pins. */
export function pinRoutes({ pins }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.put('/messages/:id/pin', async (req, res) => {
    const { id } = p.messageIdParam.parse(req.params);
    res.json(await pins.pin(actorOf(res), id));
  });

  r.delete('/messages/:id/pin', async (req, res) => {
    const { id } = p.messageIdParam.parse(req.params);
    res.json(await pins.unpin(actorOf(res), id));
  });

  r.get('/rooms/:room_id/pins', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    res.json(await pins.list(actorOf(res), room_id));
  });

  return r;
}
