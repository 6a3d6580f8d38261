import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf, assertSameUser } from '../context';

export function messageRoutes({ messages }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.post('/messages', async (req, res) => {
    const actor = actorOf(res);
    // `username` is accepted for the seed's clients but the token's name is what is stored.
    const { user_id, username: _ignored, ...input } = p.messageRequest.parse(req.body);
    assertSameUser('user_id', user_id, actor);
    const { message, created } = await messages.send(actor, input);
    res.status(created ? 201 : 200).json(message);
  });

  r.get('/messages/:id', async (req, res) => {
    const { id } = p.messageIdParam.parse(req.params);
    res.json(await messages.get(actorOf(res), id));
  });

  r.patch('/messages/:id', async (req, res) => {
    const { id } = p.messageIdParam.parse(req.params);
    const { content } = p.editRequest.parse(req.body);
    res.json(await messages.edit(actorOf(res), id, content));
  });

  r.delete('/messages/:id', async (req, res) => {
    const { id } = p.messageIdParam.parse(req.params);
    await messages.delete(actorOf(res), id);
    res.status(204).end();
  });

  return r;
}
