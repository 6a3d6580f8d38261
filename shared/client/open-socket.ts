import { io } from 'socket.io-client';
import type { ChatClientOptions } from './chat-client';
import type { ChatSocket } from './requests';

/**
 * The client's socket on `${url}/chat`. `onToken` hears each token a handshake carries;
 * `onTokenFailure` hears a token function that failed: the handshake then goes without a token,
 * and the server refuses it with UNAUTHORIZED.
 */
export function openSocket(
  options: ChatClientOptions,
  onTokenFailure: (error: unknown) => void,
  onToken: (token: string) => void = () => undefined,
): ChatSocket {
  return io(`${options.url.replace(/\/+$/, '')}/chat`, {
    // A function, so that every (re)connection asks for a token: an expired one is replaced.
    auth: (send) => {
      resolveToken(options.token).then(
        (token) => {
          onToken(token);
          send({ token });
        },
        (error: unknown) => {
          onTokenFailure(error);
          send({});
        },
      );
    },
    // WebSocket first: long-polling needs every request of a session to reach the same node, which
    // load balancers without sticky sessions do not do. Polling is the fallback for networks that
    // block WebSockets (tryAllTransports: without it socket.io never tries the second transport).
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    // socket.io's own backoff: the delay doubles from the first to the ceiling, with jitter.
    reconnection: true,
    reconnectionDelay: options.reconnectionDelayMs ?? 1000,
    reconnectionDelayMax: options.reconnectionDelayMaxMs ?? 5000,
    autoConnect: options.autoConnect ?? true,
    // This client owns its connection: another client in the same page never shares (or closes) it.
    forceNew: true,
  });
}

async function resolveToken(token: ChatClientOptions['token']): Promise<string> {
  return typeof token === 'string' ? token : token();
}
