/**
 * A soak generator process: forked by the orchestrator (bench/soak/run.ts), it holds a share of
 * the soak's clients over plain `ws` (bench/load/bench-client.ts) and, once started, runs the
 * mixed load at its share of the rates until told to finish.
 */
import { Histogram } from '../load/histogram';
import {
  churn,
  join,
  move,
  react,
  reopen,
  sendNew,
  typing,
  pick,
  remember,
  send,
  type SoakWorld,
} from './actions';
import {
  commandEnvelope,
  type Command,
  type CommandResult,
  type CommandType,
  type Rates,
  type Reply,
} from './ipc';
import { SoakClient } from './soak-client';
import { Tally } from './tally';

const clients = new Map<number, SoakClient>();
const world: SoakWorld = {
  tally: new Tally(),
  acked: [],
  ackLatency: { interval: new Histogram(), total: new Histogram() },
  recent: new Map(),
  secret: '',
  origins: [],
  lobbies: [],
  settling: false,
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const events = {
  onNewMessage(_client: SoakClient, message: { id: string; roomId: string }): void {
    world.tally.deliveries++;
    remember(world, message.roomId, message.id);
  },
  onUnsolicitedClose(): void {
    world.tally.unsolicitedDisconnects++;
  },
};

function connectedCount(): number {
  let n = 0;
  for (const c of clients.values()) if (c.connected) n++;
  return n;
}

function clientAt(index: number): SoakClient {
  const client = clients.get(index);
  if (!client) throw new Error(`no client ${index} in this generator`);
  return client;
}

/** Runs `body` on a client marked busy, so no other action starts on it meanwhile. */
function occupy(c: SoakClient, body: () => Promise<void>): void {
  c.busy = true;
  body()
    .catch((err: unknown) =>
      world.tally.failed('generator', err instanceof Error ? err.message : String(err)),
    )
    .finally(() => {
      c.busy = false;
    });
}

async function connect(cmd: Command<'connect'>): Promise<CommandResult<'connect'>> {
  world.secret = cmd.secret;
  world.origins = cmd.origins;
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < cmd.clients.length) {
      const spec = cmd.clients[next++];
      if (!spec) break;
      const client = new SoakClient(spec.index, spec.userId, spec.origin, events);
      clients.set(spec.index, client);
      try {
        await client.connect(cmd.origins[spec.origin] ?? '', cmd.secret, cmd.timeoutMs);
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

async function createRoom(cmd: Command<'createRoom'>): Promise<CommandResult<'createRoom'>> {
  const outcome = await clientAt(cmd.client).request('room:create', { name: cmd.name });
  if (!outcome.ok) throw new Error(`room:create: ${outcome.code}`);
  const id = /"id":"([^"]+)"/.exec(outcome.frame.toString('utf8'))?.[1];
  if (!id) throw new Error('room:create answered without an id');
  return { roomId: id };
}

async function joinAll(cmd: Command<'join'>): Promise<CommandResult<'join'>> {
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cmd.joins.length) {
      const j = cmd.joins[next++];
      if (!j) break;
      const error = await join(world, clientAt(j.client), j.roomId, j.home);
      if (error === null) ok++;
      else {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return { ok, failed, firstError };
}

type Action = (world: SoakWorld, c: SoakClient) => Promise<void>;
const ACTIONS: [keyof Rates, Action][] = [
  ['sends', sendNew],
  ['typing', typing],
  ['reactions', react],
  ['reconnects', churn],
  ['moves', move],
];

let loadTimer: NodeJS.Timeout | undefined;

/** A connected client with nothing in flight, chosen at random (a few tries). */
function idleClient(all: readonly SoakClient[]): SoakClient | undefined {
  for (let i = 0; i < 8; i++) {
    const c = pick(all);
    if (c && !c.busy && c.connected) return c;
  }
  return undefined;
}

/**
 * Open loop: action k of a kind is due at k / rate seconds whatever the server does; a due action
 * that finds no idle client is counted as skipped, so the achieved rates are the real ones.
 */
function start(cmd: Command<'start'>): CommandResult<'start'> {
  world.lobbies = cmd.lobbies;
  const all = [...clients.values()];
  const startedAt = performance.now();
  const done: Record<keyof Rates, number> = { sends: 0, typing: 0, reactions: 0, reconnects: 0, moves: 0 };
  const tick = (): void => {
    const elapsedS = (performance.now() - startedAt) / 1000;
    for (const [kind, action] of ACTIONS) {
      const due = Math.floor(cmd.rates[kind] * elapsedS);
      for (; done[kind] < due; done[kind]++) {
        const c = idleClient(all);
        if (c) occupy(c, () => action(world, c));
        else world.tally.skipped++;
      }
    }
    // Repair: a connection the server closed comes back (that close is already counted).
    for (const c of all) {
      if (c.needsReconnect && !c.busy) occupy(c, async () => void (await reopen(world, c)));
    }
  };
  loadTimer = setInterval(tick, 10);
  return {};
}

async function waitIdle(deadline: number): Promise<void> {
  while ([...clients.values()].some((c) => c.busy) && performance.now() < deadline) await sleep(20);
}

/** Stops the load and settles every client: connected, nothing unanswered, caught up. */
async function finish(cmd: Command<'finish'>): Promise<CommandResult<'finish'>> {
  clearInterval(loadTimer);
  world.settling = true;
  const deadline = performance.now() + cmd.timeoutMs;
  await waitIdle(deadline);
  for (let pass = 0; pass < 3; pass++) {
    const behind = [...clients.values()].filter((c) => !c.connected || c.unacked.length > 0);
    if (behind.length === 0) break;
    for (const c of behind) {
      occupy(c, async () => {
        if (!c.connected) await reopen(world, c);
        while (c.connected) {
          const spec = c.unacked.shift();
          if (!spec) break;
          await send(world, c, spec, true);
        }
      });
    }
    await waitIdle(deadline);
  }
  const unacked = [...clients.values()].flatMap((c) =>
    c.unacked.map((s) => ({ roomId: s.roomId, userId: c.userId, clientId: s.clientId })),
  );
  unacked.forEach(() => world.tally.failed('message:send', 'NEVER_ACKED'));
  return {
    counters: world.tally.snapshot(connectedCount()),
    ackLatency: world.ackLatency.total.toSparse(),
    acked: world.acked,
    unacked,
  };
}

function stats(): CommandResult<'stats'> {
  const ackLatency = world.ackLatency.interval.toSparse();
  world.ackLatency.interval = new Histogram();
  return { counters: world.tally.snapshot(connectedCount()), ackLatency };
}

function closeAll(): CommandResult<'closeAll'> {
  const closed = clients.size;
  clearInterval(loadTimer);
  for (const c of clients.values()) c.close();
  clients.clear();
  return { closed };
}

async function run(cmd: Command): Promise<CommandResult<CommandType>> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'createRoom':
      return createRoom(cmd);
    case 'join':
      return joinAll(cmd);
    case 'start':
      return start(cmd);
    case 'stats':
      return stats();
    case 'finish':
      return finish(cmd);
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
