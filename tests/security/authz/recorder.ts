import { z } from 'zod';
import type { ServerEventName } from '../../../shared/events';
import type { ClientSocket } from '../../helpers/server';
import type { PlainWsClient } from './plain-ws-client';

const WAIT_MS = 3000;

/** One broadcast a client received. */
export interface Heard {
  event: string;
  payload: unknown;
}

/** The fields that say whom or what a broadcast is about. */
const subjectSchema = z.looseObject({
  room_id: z.string().optional(),
  /** A RoomDetail (`room:updated`) names its room `id`. */
  id: z.string().optional(),
  user_id: z.string().optional(),
  updates: z.array(z.looseObject({ user_id: z.string() })).optional(),
});

/** A room as the broadcasts name it: its id, and the user whose presence changes there. */
export interface RoomSubject {
  id: string;
  presenceOf: string;
}

/** Whether a broadcast is about the room: names it, or (presence has no room) the user it watches. */
export function isAbout(heard: Heard, room: RoomSubject): boolean {
  const subject = subjectSchema.safeParse(heard.payload);
  if (!subject.success) return false;
  const { room_id, id, user_id, updates } = subject.data;
  if (heard.event.startsWith('presence')) {
    return user_id === room.presenceOf || (updates ?? []).some((u) => u.user_id === room.presenceOf);
  }
  return (room_id ?? id) === room.id;
}

/** Everything a client hears, in order; `mark()` and `since()` cut it into what one trigger caused. */
export class Recorder {
  readonly heard: Heard[] = [];
  private readonly waiters = new Set<() => void>();

  static ofSocket(socket: ClientSocket): Recorder {
    const recorder = new Recorder();
    socket.onAny((event: string, payload: unknown) => recorder.push({ event, payload }));
    return recorder;
  }

  /** A plain WebSocket's broadcast frames, under the Socket.IO event each mirrors. */
  static ofPlainWs(
    client: PlainWsClient,
    eventOfFrame: (type: string) => ServerEventName | undefined,
  ): Recorder {
    const recorder = new Recorder();
    client.ws.on('message', (data) => {
      const frame = z
        .looseObject({ type: z.string(), data: z.unknown().optional() })
        .parse(JSON.parse(String(data)));
      const event = eventOfFrame(frame.type);
      if (event) recorder.push({ event, payload: frame.data });
    });
    return recorder;
  }

  mark(): number {
    return this.heard.length;
  }

  since(mark: number): Heard[] {
    return this.heard.slice(mark);
  }

  /** Resolves once something heard since `mark` matches; rejects after the wait, naming `what`. */
  waitFor(mark: number, match: (heard: Heard) => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const look = (): void => {
        if (!this.since(mark).some(match)) return;
        clearTimeout(timer);
        this.waiters.delete(look);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(look);
        reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`));
      }, WAIT_MS);
      this.waiters.add(look);
      look();
    });
  }

  private push(heard: Heard): void {
    this.heard.push(heard);
    for (const wake of [...this.waiters]) wake();
  }
}
