import { z } from 'zod';

/**
 * What the orchestrator asks a generator process (over the fork IPC channel) and what it answers.
 * Both ends parse what they receive: a generator built from stale sources fails loudly.
 */
const clientIndex = z.number().int().nonnegative();
const sparseHistogram = z.object({
  buckets: z.array(z.tuple([z.number().int(), z.number().int()])),
  maxMs: z.number(),
});

export const commandSchemas = {
  /** Opens a client per entry (`index` is global across generators) to `origin`. */
  connect: z.object({
    type: z.literal('connect'),
    origins: z.array(z.string()).min(1),
    secret: z.string(),
    clients: z.array(z.object({ index: clientIndex, userId: z.string(), origin: z.number().int() })),
    concurrency: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
  }),
  /** One event with an ack; answers the ack's parsed payload (setup calls). */
  request: z.object({
    type: z.literal('request'),
    client: clientIndex,
    event: z.string(),
    payload: z.record(z.string(), z.unknown()),
    timeoutMs: z.number().int().positive(),
  }),
  /** Many events at once (joins); answers how many acks were ok. */
  requestAll: z.object({
    type: z.literal('requestAll'),
    calls: z.array(
      z.object({ client: clientIndex, event: z.string(), payload: z.record(z.string(), z.unknown()) }),
    ),
    timeoutMs: z.number().int().positive(),
  }),
  /** Open-loop `message:send` at a fixed rate, round-robin over `senders`, stamped with `step`. */
  send: z.object({
    type: z.literal('send'),
    step: z.number().int().nonnegative(),
    durationMs: z.number().positive(),
    ratePerSecond: z.number().positive(),
    senders: z.array(z.object({ client: clientIndex, roomId: z.string() })).min(1),
    ackTimeoutMs: z.number().int().positive(),
  }),
  /** Deliveries received so far for `step`; `forget` drops the step's tally. */
  deliveries: z.object({ type: z.literal('deliveries'), step: z.number().int(), forget: z.boolean() }),
  /** Frame counters, for waiting until the server has gone quiet. */
  activity: z.object({ type: z.literal('activity') }),
  /** Sequential `message:history` calls from one client, timed one by one. */
  history: z.object({
    type: z.literal('history'),
    client: clientIndex,
    roomId: z.string(),
    beforeSeq: z.number().int().positive().nullable(),
    limit: z.number().int().positive(),
    count: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
  }),
  closeAll: z.object({ type: z.literal('closeAll') }),
} as const;

export const resultSchemas = {
  connect: z.object({ connected: z.number(), failed: z.number(), firstError: z.string().nullable() }),
  request: z.object({ ack: z.unknown() }),
  requestAll: z.object({ ok: z.number(), failed: z.number(), firstError: z.string().nullable() }),
  send: z.object({
    sent: z.number(),
    acked: z.number(),
    failed: z.number(),
    errors: z.record(z.string(), z.number()),
    ackLatency: sparseHistogram,
    /** How far behind its schedule the generator fell at worst (ms). */
    maxLagMs: z.number(),
  }),
  deliveries: z.object({ count: z.number(), latency: sparseHistogram }),
  activity: z.object({
    frames: z.number(),
    bytes: z.number(),
    /** monotonicMs() of the latest frame (25 ms resolution), 0 if none. */
    lastFrameAt: z.number(),
    open: z.number(),
    closed: z.number(),
    unstampedEvents: z.number(),
  }),
  history: z.object({
    latenciesMs: z.array(z.number()),
    failed: z.number(),
    firstError: z.string().nullable(),
    /** The first answer, summarized: what the page held. */
    sample: z.object({
      messages: z.number(),
      firstSeq: z.number(),
      lastSeq: z.number(),
      hasMore: z.boolean(),
    }),
  }),
  closeAll: z.object({ closed: z.number() }),
} as const;

export type CommandType = keyof typeof commandSchemas;
type CommandMap = { [K in CommandType]: z.infer<(typeof commandSchemas)[K]> };
/** `{ type: T }` first, so that a call's literal `type` is what infers T. */
export type Command<T extends CommandType = CommandType> = { type: T } & CommandMap[T];
export type CommandResult<T extends CommandType> = z.infer<(typeof resultSchemas)[T]>;

export const commandEnvelope = z.object({
  id: z.number().int(),
  command: z.discriminatedUnion('type', [
    commandSchemas.connect,
    commandSchemas.request,
    commandSchemas.requestAll,
    commandSchemas.send,
    commandSchemas.deliveries,
    commandSchemas.activity,
    commandSchemas.history,
    commandSchemas.closeAll,
  ]),
});

export const replyEnvelope = z.discriminatedUnion('ok', [
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);
export type Reply = z.infer<typeof replyEnvelope>;
