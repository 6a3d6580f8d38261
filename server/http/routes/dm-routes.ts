import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf } from '../context';

/** Direct messages: opening one answers 201 when it was created, 200 when it existed. */
export function dmRoutes({ dms }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.post('/dms', async (req, res) => {
    const { user_id } = p.dmRequest.parse(req.body);
    const { room, created } = await dms.open(actorOf(res), user_id);
    res.status(created ? 201 : 200).json(room);
  });

  return r;
}
