import { okData, waitFor } from '../../helpers/events';
import type { ClientSocket, TestServer } from '../../helpers/server';

/**
 * A client minding its own business next to the fuzzing: a Socket.IO user in a private room of its
 * own, with a speaker who posts there. Whatever the fuzzed client did, it must still receive the
 * speaker's messages and answer its own calls.
 */
export interface Bystander {
  /** The bystander's private room: fuzzed calls may aim at its id, never get in. */
  roomId: string;
  /** Throws unless the bystander is connected, gets a broadcast sent now, and answers a call. */
  expectUnaffected(): Promise<void>;
}

export async function startBystander(server: TestServer): Promise<Bystander> {
  const bystander: ClientSocket = await server.connect(await server.token('bystander', 'Bystander'));
  const speaker: ClientSocket = await server.connect(await server.token('speaker', 'Speaker'));
  const roomId = okData(await speaker.emitWithAck('room:create', { name: 'bystander', is_private: true })).id;
  okData(await speaker.emitWithAck('room:invite', { room_id: roomId, user_ids: ['bystander'] }));
  okData(await bystander.emitWithAck('room:join', { room_id: roomId }));
  let sent = 0;
  return {
    roomId,
    expectUnaffected: async () => {
      if (!bystander.connected) throw new Error('the bystander was disconnected');
      sent += 1;
      const content = `still here ${sent}`;
      const arrival = waitFor(bystander, 'message:new', (m) => m.content === content);
      okData(await speaker.emitWithAck('message:send', { room_id: roomId, content }));
      await arrival;
      const room = okData(await bystander.emitWithAck('room:get', { room_id: roomId }));
      if (room.id !== roomId) throw new Error('the bystander read another room');
    },
  };
}
