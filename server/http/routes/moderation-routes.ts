import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf } from '../context';

/**
 * Moderation as resources of the room: a member's role, the membership itself (DELETE removes),
 * bans and mutes (PUT sets, DELETE lifts). Each answers the ModerationEvent.
 */
export function moderationRoutes({ moderation }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.put('/rooms/:room_id/members/:user_id/role', async (req, res) => {
    const ref = p.memberParams.parse(req.params);
    const { role } = p.roleRequest.parse(req.body);
    res.json(await moderation.setRole(actorOf(res), { ...ref, role }));
  });

  r.delete('/rooms/:room_id/members/:user_id', async (req, res) => {
    res.json(await moderation.remove(actorOf(res), p.memberParams.parse(req.params)));
  });

  r.put('/rooms/:room_id/bans/:user_id', async (req, res) => {
    res.json(await moderation.ban(actorOf(res), p.memberParams.parse(req.params)));
  });

  r.delete('/rooms/:room_id/bans/:user_id', async (req, res) => {
    res.json(await moderation.unban(actorOf(res), p.memberParams.parse(req.params)));
  });

  r.put('/rooms/:room_id/mutes/:user_id', async (req, res) => {
    const ref = p.memberParams.parse(req.params);
    const { duration_ms } = p.muteRequest.parse(req.body);
    res.json(await moderation.mute(actorOf(res), { ...ref, duration_ms }));
  });

  r.delete('/rooms/:room_id/mutes/:user_id', async (req, res) => {
    res.json(await moderation.unmute(actorOf(res), p.memberParams.parse(req.params)));
  });

  return r;
}
