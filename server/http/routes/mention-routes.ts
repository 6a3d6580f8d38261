import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf } from '../context';

/** The caller's mentions, newest first. */
export function mentionRoutes({ mentions }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.get('/mentions', async (req, res) => {
    res.json(await mentions.list(actorOf(res), p.pageQuery.parse(req.query)));
  });

  return r;
}
