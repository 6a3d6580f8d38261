import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Message } from '../../shared/schemas/objects';
import { BackupError, BackupFailure, backupSqlite } from '../../server/store/sqlite/backup';
import { sqliteMigrations } from '../../server/store/sqlite/migrations';
import { createTestStorage, startServer, type ClientSocket, type TestServer } from '../helpers/server';
import {
  connectSocket,
  createRoomWithMembers,
  lastMessageSeq,
  oneTo,
  readHistory,
  streamSends,
  UNTHROTTLED_ENV,
  within,
  type Send,
  type StreamResult,
} from './load';

/**
 * `npm run backup` copies the live SQLite database while the server writes to it. Sockets stream
 * acknowledged sends the whole time; the backup is taken once through backupSqlite() and once
 * through the CLI in a child process. Each copy is restored (copied into a new folder as chat.db and
 * a fresh server started on it): every message acknowledged before the backup began must be there
 * under the id, seq and content of its ack, each room's seqs must run 1..last, and the copy must
 * pass integrity_check. The refusals are checked too: an existing file (without --force), the
 * database itself, a PostgreSQL DATABASE_URL, a database file that does not exist.
 */

const ROOT = path.resolve(__dirname, '../..');
const SENDERS = 4;
const ROOM_COUNT = 2;
const IN_FLIGHT = 3;
/** Acks (over all sockets) before a backup starts, and after it returns (the sends went on). */
const ACKS_BEFORE_BACKUP = 200;
const ACKS_AFTER_BACKUP = 50;
/** Node compiling the CLI with tsx on a busy machine. */
const CLI_TIMEOUT_MS = 30_000;
const LATEST_SCHEMA_VERSION = Math.max(...sqliteMigrations.map((m) => m.version));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as `node --import tsx`, with only the environment given (no developer's DATABASE_URL). */
function runBackupCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return within(
    new Promise<CliResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'server/store/sqlite/backup-cli.ts', ...args],
        { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    }),
    CLI_TIMEOUT_MS,
    `the backup CLI to exit (args: ${args.join(' ')})`,
  );
}

/** PRAGMA integrity_check of a file, on a read-only connection: 'ok' or the problems found. */
function integrityOf(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { integrity_check: string }>('PRAGMA integrity_check')
      .all()
      .map((row) => row.integrity_check)
      .join('; ');
  } finally {
    db.close();
  }
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

describe('online SQLite backup while sends stream', () => {
  let server: TestServer;
  /** The live database file. */
  let dbFile: string;
  /** Where backups go; each test's files are its own. */
  let backupDir: string;
  let tokens: string[] = [];
  let rooms: string[] = [];
  const users = oneTo(SENDERS).map((n) => `backup-sender${n}`);
  const sockets = new Set<ClientSocket>();
  /** What every ack so far answered, by client_id. */
  const acknowledged = new Map<string, Message>();
  /** Every send ever emitted, by client_id. */
  const sends = new Map<string, Send>();
  let ackCount = 0;
  const ackWaiters = new Set<{ count: number; resolve: () => void }>();

  const acksReach = (count: number): Promise<void> =>
    ackCount >= count ? Promise.resolve() : new Promise((resolve) => ackWaiters.add({ count, resolve }));

  beforeAll(async () => {
    const storage = await createTestStorage('sqlite');
    dbFile = storage.databaseUrl.slice('sqlite:'.length);
    server = await startServer({ storage, env: UNTHROTTLED_ENV });
    backupDir = await mkdtemp(path.join(tmpdir(), 'chat-backups-'));
    tokens = await Promise.all(users.map((user) => server.token(user)));
    const [owner = '', ...members] = tokens;
    rooms = [];
    for (let r = 1; r <= ROOM_COUNT; r += 1) {
      rooms.push(await createRoomWithMembers(server, `backup-${r}`, owner, members));
    }
  }, 30_000);

  afterEach(() => {
    for (const socket of sockets) socket.disconnect();
    sockets.clear();
  });

  afterAll(async () => {
    await server?.close();
    if (backupDir) await rm(backupDir, { recursive: true, force: true });
  }, 30_000);

  interface Round<T> {
    /** Every message acknowledged before the backup began. */
    before: Map<string, Message>;
    /** Acks that arrived while the backup ran. */
    acksDuringBackup: number;
    result: T;
  }

  /**
   * Streams sends from every socket; once ACKS_BEFORE_BACKUP more have been acknowledged, records
   * what was acknowledged so far and runs `backup` while the sends go on; stops the streams
   * ACKS_AFTER_BACKUP acks after it returns.
   */
  const backupWhileStreaming = async <T>(label: string, backup: () => Promise<T>): Promise<Round<T>> => {
    const connected = await Promise.all(tokens.map((token) => connectSocket(server.url, token)));
    for (const socket of connected) sockets.add(socket);
    let stop = false;
    const streams = connected.map((socket, sender) =>
      streamSends(socket, {
        sender,
        user_id: users[sender] ?? '',
        rooms: rooms.map((_, i) => rooms[(i + sender) % rooms.length] ?? ''),
        inFlight: IN_FLIGHT,
        label,
        stop: () => stop,
        onAck: ({ client_id, message }) => {
          acknowledged.set(client_id, message);
          ackCount += 1;
          for (const waiter of ackWaiters) {
            if (ackCount < waiter.count) continue;
            ackWaiters.delete(waiter);
            waiter.resolve();
          }
        },
      }),
    );
    let results: StreamResult[];
    let round: Round<T>;
    try {
      await within(acksReach(ackCount + ACKS_BEFORE_BACKUP), 20_000, `${ACKS_BEFORE_BACKUP} acks`);
      const before = new Map(acknowledged);
      const acksAtStart = ackCount;
      const result = await within(backup(), 30_000, 'the backup to finish while sends go on');
      const acksDuringBackup = ackCount - acksAtStart;
      await within(acksReach(ackCount + ACKS_AFTER_BACKUP), 20_000, 'acks after the backup');
      round = { before, acksDuringBackup, result };
    } finally {
      stop = true;
      results = await within(Promise.all(streams), 15_000, 'every stream to end');
    }
    for (const r of results) {
      for (const send of [...r.acked, ...r.refused, ...r.unanswered]) sends.set(send.client_id, send);
    }
    expect(results.flatMap((r) => r.refused)).toEqual([]);
    expect(results.flatMap((r) => r.unanswered)).toEqual([]);
    return round;
  };

  /**
   * Restores `backupFile` as an operator would (a copy named chat.db in a new folder, a fresh
   * server on it) and checks it holds every message of `before` as acknowledged, gap-free.
   * Returns how many messages it holds.
   */
  const expectRestoredHolds = async (backupFile: string, before: Map<string, Message>): Promise<number> => {
    expect(integrityOf(backupFile)).toBe('ok');
    const restoreDir = await mkdtemp(path.join(tmpdir(), 'chat-restore-'));
    await copyFile(backupFile, path.join(restoreDir, 'chat.db'));
    const restored = await startServer({
      env: UNTHROTTLED_ENV,
      storage: {
        kind: 'sqlite',
        databaseUrl: `sqlite:${path.join(restoreDir, 'chat.db')}`,
        remove: () => rm(restoreDir, { recursive: true, force: true }),
      },
    });
    try {
      const reader = tokens[0] ?? '';
      const histories = await Promise.all(rooms.map((roomId) => readHistory(restored, reader, roomId)));
      const stored = new Map(histories.flat().map((m) => [m.client_id ?? `no client_id: ${m.id}`, m]));

      const lost = [...before].flatMap(([clientId, acked]) => {
        const found = stored.get(clientId);
        const same = found?.id === acked.id && found.seq === acked.seq && found.content === acked.content;
        return same ? [] : [{ clientId, acked: pick(acked), found: found && pick(found) }];
      });
      expect(lost).toEqual([]);

      for (const [i, history] of histories.entries()) {
        expect(history.map((m) => m.seq)).toEqual(oneTo(history.length));
        expect(await lastMessageSeq(restored, reader, rooms[i] ?? '')).toBe(history.length);
      }
      // Nothing in the copy that no client sent; each client_id once.
      const strangers = histories.flat().filter((m) => {
        const send = sends.get(m.client_id ?? '');
        return send?.room_id !== m.room_id || send.user_id !== m.user_id || send.content !== m.content;
      });
      expect(strangers).toEqual([]);
      expect(stored.size).toBe(histories.flat().length);
      return stored.size;
    } finally {
      await restored.close();
    }
  };

  it('backupSqlite() copies one snapshot while the server writes; the restored copy holds every earlier ack', async () => {
    const target = path.join(backupDir, 'through-function.db');
    const progress: number[] = [];
    const round = await backupWhileStreaming('function', () =>
      // One page per step: the copy spans many event-loop turns, during which the server commits.
      backupSqlite({
        source: dbFile,
        target,
        pagesPerStep: 1,
        onProgress: ({ copiedPages }) => progress.push(copiedPages),
      }),
    );
    const summary = round.result;
    expect(summary).toMatchObject({ source: dbFile, target, schemaVersion: LATEST_SCHEMA_VERSION });
    expect(summary.pages).toBeGreaterThan(1);
    expect(summary.bytes).toBe(summary.pages * summary.pageSize);
    expect(progress[progress.length - 1]).toBe(summary.pages);
    // One snapshot, copied once: the server's commits never sent the copy back to page 1.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // The server committed while the copy was under way, and the copy still completed.
    expect(round.acksDuringBackup).toBeGreaterThan(0);
    // Nothing but the backup in its folder: the temporary file was renamed.
    expect(await readdir(backupDir)).toEqual(['through-function.db']);

    const held = await expectRestoredHolds(target, round.before);
    console.info(
      `function: ${round.before.size} acked before the backup, ${round.acksDuringBackup} during it, ` +
        `${held} in the copy, ${acknowledged.size} acked by the end; ${summary.pages} pages`,
    );
  }, 60_000);

  it('the CLI in a child process does the same, reading DATABASE_URL', async () => {
    const target = path.join(backupDir, 'through-cli.db');
    const round = await backupWhileStreaming('cli', () =>
      runBackupCli([target], { DATABASE_URL: `sqlite:${dbFile}` }),
    );
    const cli = round.result;
    expect(cli).toMatchObject({ code: 0 });
    expect(cli.stdout).toContain(`backup: wrote ${target}`);
    expect(cli.stdout).toMatch(/pages +\d+ of \d+ bytes/);
    expect(cli.stdout).toContain(`schema   version ${LATEST_SCHEMA_VERSION}, integrity_check ok`);
    expect(cli.stderr).toMatch(/pages \(100%\)/);
    expect((await readdir(backupDir)).filter((f) => f.startsWith('through-cli'))).toEqual(['through-cli.db']);

    const held = await expectRestoredHolds(target, round.before);
    console.info(
      `cli: ${round.before.size} acked before the backup, ${round.acksDuringBackup} during it, ` +
        `${held} in the copy, ${acknowledged.size} acked by the end`,
    );
  }, 60_000);

  it('refuses to replace an existing file unless --force, never the database itself, and leaves nothing from a failed copy', async () => {
    const target = path.join(backupDir, 'existing.db');
    await writeFile(target, 'keep me');
    const env = { DATABASE_URL: `sqlite:${dbFile}` };

    await expect(backupSqlite({ source: dbFile, target })).rejects.toMatchObject({
      name: 'BackupError',
      reason: BackupFailure.targetExists,
    });
    const [refused, itself, itsWal] = await Promise.all([
      runBackupCli([target], env),
      runBackupCli([dbFile, '--force'], env),
      runBackupCli([`${dbFile}-wal`, '--force'], env),
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`${target} exists (give --force to replace it)`);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    for (const result of [itself, itsWal]) {
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/is the database or one of its files/);
    }
    expect(integrityOf(dbFile)).toBe('ok');
    // Nothing was left beside the target either.
    expect((await readdir(backupDir)).filter((f) => f.startsWith('existing'))).toEqual(['existing.db']);

    // A backup that fails halfway (here: aborted after its first step) leaves nothing behind.
    const abort = new AbortController();
    const aborted = path.join(backupDir, 'aborted.db');
    await expect(
      backupSqlite({
        source: dbFile,
        target: aborted,
        pagesPerStep: 1,
        signal: abort.signal,
        onProgress: () => abort.abort(),
      }),
    ).rejects.toMatchObject({ reason: BackupFailure.aborted });
    expect((await readdir(backupDir)).filter((f) => f.startsWith('aborted'))).toEqual([]);

    const forced = await runBackupCli([target, '--force', '--quiet'], env);
    expect(forced).toMatchObject({ code: 0, stderr: '' });
    expect(integrityOf(target)).toBe('ok');
  }, 60_000);

  it('refuses a PostgreSQL DATABASE_URL (pointing to pg_dump) and a database file that does not exist', async () => {
    const target = path.join(backupDir, 'never.db');
    const missing = path.join(backupDir, 'no-such-folder', 'chat.db');

    await expect(backupSqlite({ source: missing, target })).rejects.toEqual(
      expect.objectContaining({ reason: BackupFailure.sourceMissing }),
    );
    await expect(backupSqlite({ source: missing, target })).rejects.toBeInstanceOf(BackupError);
    const [postgres, noFile, help, noArgs] = await Promise.all([
      runBackupCli([target], { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }),
      runBackupCli([target], { DATABASE_URL: `sqlite:${missing}` }),
      runBackupCli(['--help'], {}),
      runBackupCli([], { DATABASE_URL: `sqlite:${dbFile}` }),
    ]);
    expect(postgres).toMatchObject({ code: 4, stdout: '' });
    expect(postgres.stderr).toMatch(/PostgreSQL/);
    expect(postgres.stderr).toMatch(/pg_dump/);
    expect(noFile).toMatchObject({ code: 4, stdout: '' });
    expect(noFile.stderr).toContain(`the database file ${missing} does not exist`);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run -s backup -- <file> \[--force\]/);
    expect(help.stdout).toMatch(/Exit codes:/);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/the backup file is required/);
    // Neither a backup nor an empty database was created.
    expect(await exists(target)).toBe(false);
    expect(await exists(missing)).toBe(false);
  }, 60_000);
});

function pick(m: Message): Pick<Message, 'room_id' | 'seq' | 'id' | 'content'> {
  return { room_id: m.room_id, seq: m.seq, id: m.id, content: m.content };
}
