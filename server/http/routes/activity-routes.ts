import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf, assertSameUser } from '../context';

/** Typing, reactions and presence over HTTP, for bots and clients without a socket. */
export function activityRoutes({ typing, reactions, presence }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.post('/typing', async (req, res) => {
    const actor = actorOf(res);
    // `username` is accepted for the seed's clients but the token's name is what is shown.
    const { user_id, username: _ignored, ...input } = p.typingRequest.parse(req.body);
    assertSameUser('user_id', user_id, actor);
    res.json(await typing.update(actor, input));
  });

  r.post('/reactions', async (req, res) => {
    const actor = actorOf(res);
    const { user_id, message_id, emoji } = p.reactionRequest.parse(req.body);
    assertSameUser('user_id', user_id, actor);
    res.json(await reactions.add(actor, message_id, emoji));
  });

  r.delete('/messages/:id/reactions/:emoji', async (req, res) => {
    const { id, emoji } = p.reactionParams.parse(req.params);
    res.json(await reactions.remove(actorOf(res), id, emoji));
  });

  r.get('/users/:user_id/presence', async (req, res) => {
    const { user_id } = p.userIdParam.parse(req.params);
    res.json({ presence: await presence.get(actorOf(res), [user_id]) });
  });

  r.get('/rooms/:room_id/presence', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    res.json({ presence: await presence.ofRoom(actorOf(res), room_id) });
  });

  return r;
}
