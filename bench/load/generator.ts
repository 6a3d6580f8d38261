/**
 * A load generator process: forked by the orchestrator (bench/load/generator-pool.ts), it holds
 * a share of the bench's clients and runs what it is told over IPC. It spends its CPU on sockets,
 * not on parsing: deliveries are timed from their stamp (socketio-protocol.ts).
 */
import { BenchClient, type ClientObserver } from './bench-client';
import { monotonicMs } from './clock';
import { Histogram } from './histogram';
import { commandEnvelope, type Command, type CommandResult, type CommandType, type Reply } from './ipc';
import { ackErrorCode, ackIsOk, ackPayload, readStamp, stampedContent } from './socketio-protocol';
import { signBenchToken } from './token';

const FILLER = 'an ordinary chat message of ordinary length';

const clients = new Map<number, BenchClient>();
const deliveries = new Map<number, { count: number; latency: Histogram }>();
const activity = { frames: 0, bytes: 0, lastFrameAt: 0, closed: 0, unstampedEvents: 0 };
let sawFrame = false;

const observer: ClientObserver = {
  onEvent(frame) {
    const stamp = readStamp(frame);
    if (!stamp) {
      activity.unstampedEvents++;
      return;
    }
    let tally = deliveries.get(stamp.step);
    if (!tally) {
      tally = { count: 0, latency: new Histogram() };
      deliveries.set(stamp.step, tally);
    }
    tally.count++;
    tally.latency.record(monotonicMs() - stamp.scheduledAtMs);
  },
  onFrame(bytes) {
    activity.frames++;
    activity.bytes += bytes;
    sawFrame = true;
  },
  onClosed() {
    activity.closed++;
  },
};

// The clock is read per frame only for stamped deliveries; activity is timed at 25 ms resolution.
setInterval(() => {
  if (sawFrame) {
    activity.lastFrameAt = monotonicMs();
    sawFrame = false;
  }
}, 25).unref();

function clientAt(index: number): BenchClient {
  const client = clients.get(index);
  if (!client) throw new Error(`no client ${index} in this generator`);
  return client;
}

/** An ack as a promise, failing with the error code or a timeout. */
function call(client: BenchClient, event: string, payload: unknown, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${event}: no ack within ${timeoutMs} ms`)), timeoutMs);
    client.request(event, JSON.stringify(payload), (frame) => {
      clearTimeout(timer);
      if (!frame) reject(new Error(`${event}: connection closed`));
      else if (!ackIsOk(frame)) reject(new Error(`${event}: ${ackErrorCode(frame)}`));
      else resolve(frame);
    });
  });
}

async function connect(cmd: Command<'connect'>): Promise<CommandResult<'connect'>> {
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < cmd.clients.length) {
      const spec = cmd.clients[next++];
      if (!spec) break;
      const origin = cmd.origins[spec.origin] ?? cmd.origins[0] ?? '';
      try {
        const token = signBenchToken(cmd.secret, spec.userId);
        clients.set(spec.index, await BenchClient.connect(origin, { token }, observer, cmd.timeoutMs));
        connected++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.clients.length) }, worker));
  return { connected, failed, firstError };
}

async function requestAll(cmd: Command<'requestAll'>): Promise<CommandResult<'requestAll'>> {
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  await Promise.all(
    cmd.calls.map(async (c) => {
      try {
        await call(clientAt(c.client), c.event, c.payload, cmd.timeoutMs);
        ok++;
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }),
  );
  return { ok, failed, firstError };
}

/**
 * Open loop: send k is due at start + k/rate whatever the server does, and latencies count from
 * that due time, so a server (or generator) that falls behind shows it in the percentiles instead
 * of slowing the offered load (no coordinated omission).
 */
function send(cmd: Command<'send'>): Promise<CommandResult<'send'>> {
  const total = Math.max(1, Math.round((cmd.ratePerSecond * cmd.durationMs) / 1000));
  const intervalMs = 1000 / cmd.ratePerSecond;
  const senders = cmd.senders.map((s) => ({
    client: clientAt(s.client),
    roomJson: JSON.stringify(s.roomId),
  }));
  const ackLatency = new Histogram();
  const errors: Record<string, number> = {};
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let maxLagMs = 0;
  const start = monotonicMs() + 1;

  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      const unanswered = sent - acked - failed;
      if (unanswered > 0) errors.NO_ACK = (errors.NO_ACK ?? 0) + unanswered;
      resolve({
        sent,
        acked,
        failed: failed + unanswered,
        errors,
        ackLatency: ackLatency.toSparse(),
        maxLagMs,
      });
    };
    const deadline = setTimeout(finish, cmd.durationMs + cmd.ackTimeoutMs + 1);
    const sendOne = (k: number): void => {
      const sender = senders[k % senders.length];
      if (!sender) return;
      const dueAt = start + k * intervalMs;
      const payload =
        `{"room_id":${sender.roomJson},"content":"${stampedContent(cmd.step, dueAt, FILLER)}",` +
        `"client_id":"s${cmd.step}-${process.pid}-${k}"}`;
      sent++;
      sender.client.request('message:send', payload, (frame) => {
        if (finished) return;
        if (frame && ackIsOk(frame)) {
          acked++;
          ackLatency.record(monotonicMs() - dueAt);
        } else {
          failed++;
          const code = frame ? ackErrorCode(frame) : 'CLOSED';
          errors[code] = (errors[code] ?? 0) + 1;
        }
        if (acked + failed === total) finish();
      });
    };
    const tick = (): void => {
      if (finished) return;
      const now = monotonicMs();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      if (due > sent) maxLagMs = Math.max(maxLagMs, now - (start + sent * intervalMs));
      while (sent < due) sendOne(sent);
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
  });
}

function takeDeliveries(cmd: Command<'deliveries'>): CommandResult<'deliveries'> {
  const tally = deliveries.get(cmd.step);
  if (cmd.forget) deliveries.delete(cmd.step);
  return tally
    ? { count: tally.count, latency: tally.latency.toSparse() }
    : { count: 0, latency: { buckets: [], maxMs: 0 } };
}

function pageSummary(frame: Buffer): CommandResult<'history'>['sample'] {
  const payload = ackPayload(frame);
  const data =
    typeof payload === 'object' && payload !== null && 'data' in payload ? payload.data : undefined;
  const page = typeof data === 'object' && data !== null ? data : {};
  const messages = 'messages' in page && Array.isArray(page.messages) ? (page.messages as unknown[]) : [];
  const seqOf = (m: unknown): number =>
    typeof m === 'object' && m !== null && 'seq' in m && typeof m.seq === 'number' ? m.seq : -1;
  return {
    messages: messages.length,
    firstSeq: seqOf(messages[0]),
    lastSeq: seqOf(messages[messages.length - 1]),
    hasMore: 'has_more' in page && page.has_more === true,
  };
}

/** One request at a time, each timed from emit to ack at the client. */
async function history(cmd: Command<'history'>): Promise<CommandResult<'history'>> {
  const client = clientAt(cmd.client);
  const payload = {
    room_id: cmd.roomId,
    limit: cmd.limit,
    ...(cmd.beforeSeq ? { before_seq: cmd.beforeSeq } : {}),
  };
  const latenciesMs: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let sample: CommandResult<'history'>['sample'] = { messages: 0, firstSeq: -1, lastSeq: -1, hasMore: false };
  for (let i = 0; i < cmd.count; i++) {
    const started = monotonicMs();
    try {
      const frame = await call(client, 'message:history', payload, cmd.timeoutMs);
      latenciesMs.push(monotonicMs() - started);
      if (i === 0) sample = pageSummary(frame);
    } catch (err) {
      failed++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
  return { latenciesMs, failed, firstError, sample };
}

function closeAll(): CommandResult<'closeAll'> {
  const closed = clients.size;
  for (const client of clients.values()) client.close();
  clients.clear();
  deliveries.clear();
  return { closed };
}

async function run(cmd: Command): Promise<CommandResult<CommandType>> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'request': {
      const frame = await call(clientAt(cmd.client), cmd.event, cmd.payload, cmd.timeoutMs);
      return { ack: ackPayload(frame) };
    }
    case 'requestAll':
      return requestAll(cmd);
    case 'send':
      return send(cmd);
    case 'deliveries':
      return takeDeliveries(cmd);
    case 'activity':
      return {
        ...activity,
        open: [...clients.values()].filter((c) => c.isOpen).length,
      };
    case 'history':
      return history(cmd);
    case 'closeAll':
      return closeAll();
  }
}

function reply(message: Reply): void {
  process.send?.(message);
}

process.on('message', (raw: unknown) => {
  const parsed = commandEnvelope.safeParse(raw);
  if (!parsed.success) {
    const id =
      typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
    reply({ id, ok: false, error: `bad command: ${parsed.error.message}` });
    return;
  }
  const { id, command } = parsed.data;
  run(command).then(
    (result) => reply({ id, ok: true, result }),
    (err: unknown) => reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
// The orchestrator went away (crash, Ctrl-C): so does this process and its sockets.
process.on('disconnect', () => process.exit(0));
