import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf } from '../context';

/** Full-text search over the messages the caller may read. */
export function searchRoutes({ search }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.get('/search', async (req, res) => {
    res.json(await search.search(actorOf(res), p.searchQuery.parse(req.query)));
  });

  return r;
}
