import { z } from 'zod';

/**
 * What the soak orchestrator asks a soak generator process (bench/soak/generator.ts) over the fork
 * IPC channel, and what it answers. Both ends parse what they receive.
 */
const clientIndex = z.number().int().nonnegative();
const sparseHistogram = z.object({
  buckets: z.array(z.tuple([z.number().int(), z.number().int()])),
  maxMs: z.number(),
});
const ratesSchema = z.object({
  sends: z.number().min(0),
  typing: z.number().min(0),
  reactions: z.number().min(0),
  reconnects: z.number().min(0),
  moves: z.number().min(0),
});

export const commandSchemas = {
  /** Opens a client per entry (`index` is global across generators) to `origins[origin]`. */
  connect: z.object({
    type: z.literal('connect'),
    origins: z.array(z.string()).min(1),
    secret: z.string(),
    clients: z.array(z.object({ index: clientIndex, userId: z.string(), origin: z.number().int() })),
    concurrency: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
  }),
  /** `room:create` from one client; answers the new room's id. */
  createRoom: z.object({ type: z.literal('createRoom'), client: clientIndex, name: z.string() }),
  /** `room:join` per entry; `home` rooms are never left, the others are lobbies. */
  join: z.object({
    type: z.literal('join'),
    joins: z.array(z.object({ client: clientIndex, roomId: z.string(), home: z.boolean() })),
  }),
  /** Starts the mixed load at this generator's share of the rates, until `finish`. */
  start: z.object({ type: z.literal('start'), rates: ratesSchema, lobbies: z.array(z.string()).min(1) }),
  /** Counters so far (cumulative), and the send-ack latencies since the previous `stats`. */
  stats: z.object({ type: z.literal('stats') }),
  /**
   * Stops the load, then settles: every client reconnected, every send whose ack a churn cut off
   * sent again with its client_id, every catch-up done. Answers the final counters and every
   * acknowledged message.
   */
  finish: z.object({ type: z.literal('finish'), timeoutMs: z.number().int().positive() }),
  closeAll: z.object({ type: z.literal('closeAll') }),
} as const;

const countsByCode = z.record(z.string(), z.number());

export const countersSchema = z.object({
  /** Client events answered ok, by event (`message:send` resends counted under `resend`). */
  ok: z.record(z.string(), z.number()),
  /** Failed acks by event, then by error code (`NO_ACK`: none within the timeout). */
  errors: z.record(z.string(), countsByCode),
  /** Reconnections that failed, by connect_error message or cause. */
  connectErrors: countsByCode,
  reconnects: z.number(),
  /** Of those, how many dropped the connection right after a send (its ack never came). */
  dropsMidSend: z.number(),
  /** Connections closed by the server or the network, not by the soak. */
  unsolicitedDisconnects: z.number(),
  /** Actions not started because no connected, idle client was found. */
  skipped: z.number(),
  catchUp: z.object({
    pages: z.number(),
    messages: z.number(),
    /** Catch-up pages whose seqs did not continue exactly from `after_seq`. */
    gaps: z.number(),
    firstGap: z.string().nullable(),
  }),
  /** `message:new` frames received. */
  deliveries: z.number(),
  /** Clients connected now. */
  connected: z.number(),
});
export type Counters = z.infer<typeof countersSchema>;

export const ackedMessage = z.object({
  roomId: z.string(),
  id: z.string(),
  userId: z.string(),
  clientId: z.string(),
});
export type AckedMessage = z.infer<typeof ackedMessage>;

export const resultSchemas = {
  connect: z.object({ connected: z.number(), failed: z.number(), firstError: z.string().nullable() }),
  createRoom: z.object({ roomId: z.string() }),
  join: z.object({ ok: z.number(), failed: z.number(), firstError: z.string().nullable() }),
  start: z.object({}),
  stats: z.object({ counters: countersSchema, ackLatency: sparseHistogram }),
  finish: z.object({
    counters: countersSchema,
    ackLatency: sparseHistogram,
    acked: z.array(ackedMessage),
    /** Sends never acknowledged, even after the settle (each also counted as an error). */
    unacked: z.array(ackedMessage.omit({ id: true })),
  }),
  closeAll: z.object({ closed: z.number() }),
} as const;

export type CommandType = keyof typeof commandSchemas;
type CommandMap = { [K in CommandType]: z.infer<(typeof commandSchemas)[K]> };
export type Command<T extends CommandType = CommandType> = { type: T } & CommandMap[T];
export type CommandResult<T extends CommandType> = z.infer<(typeof resultSchemas)[T]>;
export type Rates = z.infer<typeof ratesSchema>;

export const commandEnvelope = z.object({
  id: z.number().int(),
  command: z.discriminatedUnion('type', [
    commandSchemas.connect,
    commandSchemas.createRoom,
    commandSchemas.join,
    commandSchemas.start,
    commandSchemas.stats,
    commandSchemas.finish,
    commandSchemas.closeAll,
  ]),
});

export const replyEnvelope = z.discriminatedUnion('ok', [
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);
export type Reply = z.infer<typeof replyEnvelope>;
