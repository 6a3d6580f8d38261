import { Router } from 'express';
import type { PayloadSchemas } from '../../../shared/schemas/payloads';
import type { Services } from '../../domain/services';
import { actorOf, assertSameUser } from '../context';

export function roomRoutes({ rooms, invites, messages }: Services, p: PayloadSchemas): Router {
  const r = Router();

  r.post('/rooms', async (req, res) => {
    const actor = actorOf(res);
    const { creator_id, ...input } = p.createRoomRequest.parse(req.body);
    assertSameUser('creator_id', creator_id, actor);
    res.status(201).json(await rooms.create(actor, input));
  });

  r.get('/rooms', async (req, res) => {
    res.json(await rooms.list(actorOf(res), p.pageQuery.parse(req.query)));
  });

  r.get('/invites', async (req, res) => {
    res.json(await invites.list(actorOf(res), p.pageQuery.parse(req.query)));
  });

  r.get('/rooms/:room_id', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    res.json(await rooms.get(actorOf(res), room_id));
  });

  r.get('/rooms/:room_id/members', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    res.json(await rooms.members(actorOf(res), room_id, p.memberPageQuery.parse(req.query)));
  });

  r.post('/rooms/:room_id/join', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    res.json(await rooms.join(actorOf(res), room_id));
  });

  r.post('/rooms/:room_id/leave', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    await rooms.leave(actorOf(res), room_id);
    res.status(204).end();
  });

  r.post('/rooms/:room_id/decline', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    await invites.decline(actorOf(res), room_id);
    res.status(204).end();
  });

  r.post('/rooms/:room_id/invite', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    const { user_ids } = p.inviteRequest.parse(req.body);
    res.json(await rooms.invite(actorOf(res), room_id, user_ids));
  });

  r.post('/rooms/:room_id/read', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    const { seq } = p.readRequest.parse(req.body);
    res.json(await rooms.markRead(actorOf(res), room_id, seq));
  });

  r.get('/rooms/:room_id/messages', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    const query = p.historyQuery.parse(req.query);
    res.json(await messages.history(actorOf(res), { room_id, ...query }));
  });

  r.get('/rooms/:room_id/changes', async (req, res) => {
    const { room_id } = p.roomIdParam.parse(req.params);
    const query = p.changesQuery.parse(req.query);
    res.json(await messages.changes(actorOf(res), { room_id, ...query }));
  });

  return r;
}
