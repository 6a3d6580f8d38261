import type { Namespace, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Actor } from '../domain/actor';

/** Events between nodes (`serverSideEmit`); what arrives is validated by its listener. */
export interface ServerSideEvents {
  /** A plain-WebSocket hub operation relayed to the other nodes (server/realtime/plain-ws/relay.ts). */
  'plain-ws:hub': (op: unknown) => void;
  /** Whether a node holds plain WebSockets, answered by every node that noted it (relay.ts). */
  'plain-ws:listeners': (note: unknown, reply: (noted: boolean) => void) => void;
  /** A node that has just started asks which nodes hold plain WebSockets (relay.ts). */
  'plain-ws:census': () => void;
}

export interface SocketData {
  actor: Actor;
  /** The chat rooms the user belonged to when the socket was authenticated. */
  roomIds: string[];
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
export type ChatNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  ServerSideEvents,
  SocketData
>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
