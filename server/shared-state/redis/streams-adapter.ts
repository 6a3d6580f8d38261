import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Namespace, ServerOptions } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import type { Logger } from '../../logger';
import { watchConnection, type RedisClient } from './client';

export interface StreamsAdapter {
  /** The Socket.IO `adapter` option. */
  adapter: ServerOptions['adapter'];
  /** Closes the clients the adapter opened, once Socket.IO has closed its adapters. */
  close(): Promise<void>;
}

/**
 * Socket.IO's Redis Streams adapter over `publisher`: every broadcast and every
 * socketsJoin/socketsLeave is appended to one Redis stream that each node reads with a blocking
 * XREAD from the last entry it saw. A node whose connection to Redis drops reads on from that
 * entry when it is back, so a short outage delays broadcasts but loses none (Redis pub/sub would
 * drop whatever was published meanwhile); the stream is trimmed to about `maxLen` entries, which
 * bounds how long an outage can be bridged.
 *
 * The adapter opens its readers by `publisher.duplicate()` as soon as it is created, so it is
 * created with the first namespace, and the duplicates are kept to be closed with it: left alone
 * they would linger until their blocking read times out.
 */
export function streamsAdapter(publisher: RedisClient, keyPrefix: string, logger: Logger): StreamsAdapter {
  const readers: RedisClient[] = [];
  const duplicate = publisher.duplicate.bind(publisher);
  Object.defineProperty(publisher, 'duplicate', {
    value: () => {
      const reader = duplicate();
      watchConnection(reader, 'socket.io-reader', logger);
      readers.push(reader);
      return reader;
    },
  });
  let factory: ((nsp: Namespace) => Adapter) | undefined;
  const open = new Set<Adapter>();

  return {
    // A function, not an arrow: Socket.IO calls the adapter option with `new`.
    adapter: function (nsp: Namespace): Adapter {
      factory ??= createAdapter(publisher, {
        streamName: `${keyPrefix}socket.io`,
        channelPrefix: `${keyPrefix}socket.io`,
        maxLen: 10_000,
      });
      const adapter = factory(nsp);
      const close = adapter.close.bind(adapter);
      open.add(adapter);
      adapter.close = () => {
        open.delete(adapter);
        return close();
      };
      return adapter;
    },
    close: async () => {
      // Only once every adapter is closed have the readers been told to stop; closing them before
      // would make the adapter retry its read in a tight loop.
      // Their pending blocking read is abandoned, not awaited.
      if (open.size > 0) return;
      for (const reader of readers) reader.destroy();
    },
  };
}
