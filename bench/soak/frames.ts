import { NAMESPACE } from '../load/socketio-protocol';

/**
 * The few fields a soak client reads from the broadcasts it receives, found by byte search (as
 * the bench's generators do), without parsing every frame: a `message:new`'s id, room and seq.
 * The soak's own message contents never hold a `"` (JSON escapes it), so a key found is a key.
 */
const MESSAGE_NEW = Buffer.from(`42${NAMESPACE},["message:new",`);
const ID_KEY = Buffer.from('"id":"');
const ROOM_KEY = Buffer.from('"room_id":"');
const SEQ_KEY = Buffer.from('"seq":');
const QUOTE = 0x22;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;

export interface NewMessage {
  id: string;
  roomId: string;
  seq: number;
}

function stringAfter(frame: Buffer, key: Buffer, from: number): string | undefined {
  const at = frame.indexOf(key, from);
  if (at === -1) return undefined;
  const start = at + key.length;
  const end = frame.indexOf(QUOTE, start);
  return end === -1 ? undefined : frame.toString('latin1', start, end);
}

/** The message a `message:new` frame carries; undefined for any other frame. */
export function readNewMessage(frame: Buffer): NewMessage | undefined {
  if (
    frame.length < MESSAGE_NEW.length ||
    frame.compare(MESSAGE_NEW, 0, MESSAGE_NEW.length, 0, MESSAGE_NEW.length) !== 0
  )
    return undefined;
  const from = MESSAGE_NEW.length;
  const id = stringAfter(frame, ID_KEY, from);
  const roomId = stringAfter(frame, ROOM_KEY, from);
  const seqAt = frame.indexOf(SEQ_KEY, from);
  if (id === undefined || roomId === undefined || seqAt === -1) return undefined;
  let seq = 0;
  let i = seqAt + SEQ_KEY.length;
  for (; i < frame.length; i++) {
    const c = frame[i] ?? 0;
    if (c < CHAR_0 || c > CHAR_9) break;
    seq = seq * 10 + (c - CHAR_0);
  }
  return i > seqAt + SEQ_KEY.length ? { id, roomId, seq } : undefined;
}
