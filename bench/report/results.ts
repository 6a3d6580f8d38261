import type { FanoutRound } from '../scenarios/fanout';
import type { HistoryResult } from '../scenarios/history';
import type { IdleRound } from '../scenarios/idle';
import type { SmallRoomsRound } from '../scenarios/small-rooms';
import type { ByServer } from '../scenarios/context';
import type { MachineInfo } from './machine';
import { median, ratio, spread } from './stats';

/** Everything one run measured: results.json, and what RESULTS.md is rendered from. */
export interface BenchResults {
  generatedAt: string;
  wallSeconds: number;
  /** False when knobs shrank the run: its figures are not the reference ones. */
  fullRun: boolean;
  knobs: Record<string, string>;
  settings: Record<string, number | string>;
  machine: MachineInfo;
  /** Share of the machine's CPU used by processes outside the bench (other work on the box). */
  foreignCpuShare: number | null;
  scenarios: {
    fanout?: ByServer<FanoutRound>;
    smallRooms?: ByServer<SmallRoomsRound>;
    idle?: ByServer<IdleRound>;
    history?: HistoryResult;
    postgresRedis?: ByServer<SmallRoomsRound>;
  };
  errors: Record<string, string>;
  skipped: string[];
}

export type Target =
  | { kind: 'ratio'; op: '>=' | '<='; value: number }
  | { kind: 'absolute'; op: '>=' | '<='; value: number }
  | { kind: 'none' };

export interface SummaryRow {
  scenario: string;
  metric: string;
  unit: string;
  bare: number | null;
  chat: number | null;
  ratio: number | null;
  target: Target;
  met: boolean | null;
  bareSpread: number | null;
  chatSpread: number | null;
  bareRounds: (number | null)[];
  chatRounds: (number | null)[];
}

function row(
  scenario: string,
  metric: string,
  unit: string,
  rounds: { bare: (number | null)[]; chat: (number | null)[] },
  target: Target,
): SummaryRow {
  const bare = median(rounds.bare);
  const chat = median(rounds.chat);
  const r = ratio(chat, bare);
  const measured = target.kind === 'ratio' ? r : chat;
  const met =
    target.kind === 'none' || measured === null
      ? null
      : target.op === '>='
        ? measured >= target.value
        : measured <= target.value;
  return {
    scenario,
    metric,
    unit,
    bare,
    chat,
    ratio: r,
    target,
    met,
    bareSpread: spread(rounds.bare),
    chatSpread: spread(rounds.chat),
    bareRounds: rounds.bare,
    chatRounds: rounds.chat,
  };
}

const pick = <R>(by: ByServer<R>, f: (r: R) => number | null | undefined) => ({
  bare: by.bare.map((r) => f(r) ?? null),
  chat: by.chat.map((r) => f(r) ?? null),
});

/** Every figure of the table, as medians over rounds and chat/bare ratios. */
export function summarize(results: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const s = results.scenarios;
  if (s.fanout?.chat.some((r) => r.ladder)) {
    rows.push(
      row(
        'a',
        'fan-out: sustainable deliveries/s (p99 ≤ 50 ms, all delivered)',
        '/s',
        pick(s.fanout, (r) => r.ladder?.sustainableDeliveriesPerSecond),
        {
          kind: 'ratio',
          op: '>=',
          value: 1.5,
        },
      ),
      row(
        'a',
        'fan-out: server CPU per delivery',
        'µs',
        pick(s.fanout, (r) => r.ladder?.cpuUsPerDelivery),
        {
          kind: 'ratio',
          op: '<=',
          value: 0.7,
        },
      ),
      row(
        'a',
        'fan-out: p99 delivery at that rate',
        'ms',
        pick(s.fanout, (r) => r.ladder?.deliveryP99Ms),
        { kind: 'none' },
      ),
    );
  }
  if (s.smallRooms) {
    rows.push(
      row(
        'b',
        'small rooms, SQLite: sustainable acknowledged sends/s (p99 ack ≤ 20 ms)',
        '/s',
        pick(s.smallRooms, (r) => r.sustainableSendsPerSecond),
        {
          kind: 'ratio',
          op: '>=',
          value: 0.8,
        },
      ),
      row(
        'b',
        'small rooms, SQLite: server CPU per acknowledged send',
        'µs',
        pick(s.smallRooms, (r) => r.cpuUsPerSend),
        {
          kind: 'ratio',
          op: '<=',
          value: 1.5,
        },
      ),
      row(
        'b',
        'small rooms, SQLite: p99 ack at that rate',
        'ms',
        pick(s.smallRooms, (r) => r.ackP99Ms),
        { kind: 'none' },
      ),
    );
  }
  if (s.idle) {
    rows.push(
      row(
        'c',
        `idle: RSS per connection at ${s.idle.chat[0]?.connections ?? '?'} connections`,
        'KB',
        pick(s.idle, (r) => r.rssPerConnectionKb),
        {
          kind: 'ratio',
          op: '<=',
          value: 1.2,
        },
      ),
      row(
        'c',
        'idle: server CPU per connection handshake',
        'µs',
        pick(s.idle, (r) => r.cpuUsPerConnection),
        { kind: 'none' },
      ),
    );
  }
  if (s.history) {
    const none = s.history.rounds.map(() => null);
    const pages = [
      ['newest page', (r: (typeof s.history.rounds)[number]) => r.newest],
      [
        `page before seq ${s.history.rounds[0]?.middle.beforeSeq ?? '?'}`,
        (r: (typeof s.history.rounds)[number]) => r.middle,
      ],
      ['page before seq 1000 (deep)', (r: (typeof s.history.rounds)[number]) => r.deep],
    ] as const;
    for (const [label, page] of pages) {
      const limit = { kind: 'absolute', op: '<=', value: 2 } as const;
      rows.push(
        row(
          'd',
          `history ${label}: p50`,
          'ms',
          { bare: none, chat: s.history.rounds.map((r) => page(r).p50Ms) },
          { kind: 'none' },
        ),
        row(
          'd',
          `history ${label}: p99`,
          'ms',
          { bare: none, chat: s.history.rounds.map((r) => page(r).p99Ms) },
          limit,
        ),
      );
    }
  }
  if (s.fanout) {
    rows.push(
      row(
        'e',
        `filling a ${(s.fanout.chat[0]?.fill.joins ?? 0) + 1}-member room: server CPU`,
        'ms',
        pick(s.fanout, (r) => r.fill.serverCpuMs),
        {
          kind: 'ratio',
          op: '<=',
          value: 2,
        },
      ),
    );
  }
  if (s.postgresRedis) {
    rows.push(
      row(
        'f',
        'small rooms, PostgreSQL + Redis, 2 nodes (vs bare 1 node): sustainable acknowledged sends/s',
        '/s',
        pick(s.postgresRedis, (r) => r.sustainableSendsPerSecond),
        {
          kind: 'ratio',
          op: '>=',
          value: 0.5,
        },
      ),
      row(
        'f',
        'small rooms, PostgreSQL + Redis: p99 ack at that rate',
        'ms',
        pick(s.postgresRedis, (r) => r.ackP99Ms),
        {
          kind: 'absolute',
          op: '<=',
          value: 20,
        },
      ),
      row(
        'f',
        'small rooms, PostgreSQL + Redis: server CPU per acknowledged send (both nodes)',
        'µs',
        pick(s.postgresRedis, (r) => r.cpuUsPerSend),
        { kind: 'none' },
      ),
    );
  }
  return rows;
}
