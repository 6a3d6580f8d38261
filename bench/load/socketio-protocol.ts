/**
 * The slice of the Socket.IO protocol the load generator speaks (Engine.IO v4 over a WebSocket,
 * socket.io-parser text packets, namespace /chat). Frames are classified from their first bytes
 * and delivered messages are timed from a stamp found with Buffer.indexOf, so a generator does not
 * JSON.parse the thousands of frames per second it receives.
 */
export const NAMESPACE = '/chat';
export const ENGINE_PATH = '/socket.io/?EIO=4&transport=websocket';

const PREFIX = `${NAMESPACE},`;
/** `4x/chat,`: Engine.IO message (4), Socket.IO packet type (x), namespace. */
const HEADER_LENGTH = 2 + PREFIX.length;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_OPEN_BRACKET = 0x5b;

export const FrameKind = {
  /** Engine.IO open `0{...}`: time to connect to the namespace. */
  Open: 0,
  /** Engine.IO ping `2`: answered with `3`. */
  Ping: 1,
  /** Engine.IO close `1`. */
  Close: 2,
  /** Socket.IO CONNECT `40/chat,{sid}`. */
  Connected: 3,
  /** Socket.IO CONNECT_ERROR `44/chat,{message}`. */
  ConnectError: 4,
  /** Socket.IO DISCONNECT `41/chat,`. */
  Disconnected: 5,
  /** Socket.IO EVENT `42/chat,["name",payload]`. */
  Event: 6,
  /** Socket.IO ACK `43/chat,<id>[payload]`. */
  Ack: 7,
  Other: 8,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export function frameKind(frame: Buffer): FrameKind {
  const engine = frame[0];
  if (engine === 0x34) {
    switch (frame[1]) {
      case 0x32:
        return FrameKind.Event;
      case 0x33:
        return FrameKind.Ack;
      case 0x30:
        return FrameKind.Connected;
      case 0x34:
        return FrameKind.ConnectError;
      case 0x31:
        return FrameKind.Disconnected;
      default:
        return FrameKind.Other;
    }
  }
  if (engine === 0x32) return FrameKind.Ping;
  if (engine === 0x30) return FrameKind.Open;
  if (engine === 0x31) return FrameKind.Close;
  return FrameKind.Other;
}

export function connectPacket(auth: Record<string, string>): string {
  return `40${PREFIX}${JSON.stringify(auth)}`;
}

/** An EVENT packet; `payloadJson` is already serialized (the hot path builds it by concatenation). */
export function eventPacket(event: string, payloadJson: string, ackId: number): string {
  return `42${PREFIX}${ackId}["${event}",${payloadJson}]`;
}

/** The ack id of an ACK frame, or -1. */
export function ackIdOf(frame: Buffer): number {
  let id = 0;
  let i = HEADER_LENGTH;
  for (; i < frame.length; i++) {
    const c = frame[i] ?? 0;
    if (c < CHAR_0 || c > CHAR_9) break;
    id = id * 10 + (c - CHAR_0);
  }
  return i > HEADER_LENGTH && frame[i] === CHAR_OPEN_BRACKET ? id : -1;
}

const NOT_OK = Buffer.from('"ok":false');
/**
 * Whether an ack envelope is `{ok:true}`. User text cannot hold an unescaped `"ok":false`, so its
 * absence means success without parsing the (possibly large) ack.
 */
export function ackIsOk(frame: Buffer): boolean {
  return frame.indexOf(NOT_OK) === -1;
}

/** The ack's payload (the first argument), parsed: only for setup calls and failures. */
export function ackPayload(frame: Buffer): unknown {
  const start = frame.indexOf(CHAR_OPEN_BRACKET, HEADER_LENGTH);
  const args: unknown = JSON.parse(frame.toString('utf8', start));
  return Array.isArray(args) ? args[0] : undefined;
}

/** The error code of a failed ack envelope, or the reason it could not be read. */
export function ackErrorCode(frame: Buffer): string {
  try {
    const payload = ackPayload(frame);
    if (typeof payload === 'object' && payload !== null && 'error' in payload) {
      const error = payload.error;
      if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
        return error.code;
      }
    }
    return 'UNREADABLE_ACK';
  } catch {
    return 'UNPARSABLE_ACK';
  }
}

/** The message text of a CONNECT_ERROR frame. */
export function connectErrorMessage(frame: Buffer): string {
  return frame.toString('utf8', HEADER_LENGTH, Math.min(frame.length, HEADER_LENGTH + 300));
}

/**
 * A send is stamped `~b<step>:<scheduled ms>~` at the start of its content; the stamp is copied
 * into every delivery, where `readStamp` finds it. `~` never appears in ids or JSON syntax.
 */
const STAMP = Buffer.from('"~b');
const CHAR_COLON = 0x3a;
const CHAR_TILDE = 0x7e;

export function stampedContent(step: number, scheduledAtMs: number, filler: string): string {
  return `~b${step}:${scheduledAtMs.toFixed(3)}~ ${filler}`;
}

export interface Stamp {
  step: number;
  scheduledAtMs: number;
}

export function readStamp(frame: Buffer): Stamp | undefined {
  const at = frame.indexOf(STAMP, HEADER_LENGTH);
  if (at === -1) return undefined;
  let i = at + STAMP.length;
  let step = 0;
  for (; i < frame.length; i++) {
    const c = frame[i] ?? 0;
    if (c === CHAR_COLON) break;
    step = step * 10 + (c - CHAR_0);
  }
  const end = frame.indexOf(CHAR_TILDE, i + 1);
  if (end === -1) return undefined;
  const scheduledAtMs = Number(frame.toString('latin1', i + 1, end));
  return Number.isFinite(scheduledAtMs) ? { step, scheduledAtMs } : undefined;
}
