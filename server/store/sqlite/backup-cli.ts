/**
 * `npm run -s backup -- <file> [--force]` (in a built image: `node dist/server/store/sqlite/backup-cli.js
 * <file>`): an online, consistent copy of the SQLite database named by DATABASE_URL (read from the
 * environment or .env, as the server reads it), taken while the server runs (see backup.ts).
 *
 * Exit codes (also in USAGE and docs/operations.md): 0 written and verified, or the help printed;
 * 1 the backup failed (reading, writing or verifying: nothing is left under <file>); 2 bad usage;
 * 3 <file> cannot be used (it exists and --force was not given, it is the database itself, or its
 * folder does not exist); 4 nothing to back up here (DATABASE_URL is PostgreSQL or invalid, or names
 * no file, or a file that is not this service's database).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/env';
import { BackupError, BackupFailure, backupSqlite, type BackupProgress, type BackupSummary } from './backup';

const USAGE = `usage: npm run -s backup -- <file> [--force]
       node dist/server/store/sqlite/backup-cli.js <file> [--force]

Copies the SQLite database named by DATABASE_URL (from the environment or .env; default
sqlite:./data/chat.db) to <file> while the server runs. The copy is one snapshot: every message
acknowledged before the backup started is in it. It is written next to <file> under a temporary
name, checked (integrity_check, schema version), and only then renamed to <file>.

  <file>         where the copy goes; its folder must exist
  -f, --force    replace <file> if it exists
  -q, --quiet    no progress lines on stderr (the summary is still printed)
  -h, --help     prints this help

Exit codes:
  0  the copy was written and verified (or this help was printed)
  1  the backup failed (reading, writing or verifying); nothing is left under <file>
  2  bad usage
  3  <file> cannot be used: it exists (give --force), it is the database itself, or its folder
     does not exist
  4  nothing to back up: DATABASE_URL is PostgreSQL (use pg_dump) or invalid, its file does not
     exist, or the file is not a chat-service database
`;

const PG_DUMP_HINT =
  'DATABASE_URL names a PostgreSQL database: this command copies the SQLite file only. Back ' +
  'PostgreSQL up with pg_dump and restore with pg_restore ' +
  '(https://www.postgresql.org/docs/current/backup-dump.html).';

/** The one place where an outcome becomes an exit code. */
const EXIT = { ok: 0, failed: 1, usage: 2, target: 3, nothingToBackUp: 4 } as const;
const EXIT_FOR: Record<BackupFailure, number> = {
  [BackupFailure.copyFailed]: EXIT.failed,
  [BackupFailure.verifyFailed]: EXIT.failed,
  [BackupFailure.aborted]: EXIT.failed,
  [BackupFailure.targetExists]: EXIT.target,
  [BackupFailure.targetIsSource]: EXIT.target,
  [BackupFailure.targetFolderMissing]: EXIT.target,
  [BackupFailure.sourceMissing]: EXIT.nothingToBackUp,
  [BackupFailure.notChatDatabase]: EXIT.nothingToBackUp,
};

/** A refusal with its exit code, printed as `backup: <message>`. */
class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface Request {
  target: string;
  force: boolean;
  quiet: boolean;
}

/** Reads the command line; `undefined` when help was asked for. */
function parseCommandLine(argv: string[]): Request | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        force: { type: 'boolean', short: 'f' },
        quiet: { type: 'boolean', short: 'q' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new CliFailure(EXIT.usage, unknown ? `unknown option ${unknown[1]}` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [target, ...extra] = positionals;
  if (target === undefined || target === '') throw new CliFailure(EXIT.usage, 'the backup file is required');
  if (extra.length > 0) throw new CliFailure(EXIT.usage, `one backup file, not ${positionals.length}`);
  return { target, force: values.force === true, quiet: values.quiet === true };
}

/** The database file, read from DATABASE_URL exactly as the server reads it. */
function sourceFile(): string {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let storage;
  try {
    // DATABASE_URL alone: a backup needs no JWT_SECRET, even where NODE_ENV=production requires one.
    storage = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }).storage;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliFailure(EXIT.nothingToBackUp, err.message);
    throw err;
  }
  if (storage.kind === 'postgres') throw new CliFailure(EXIT.nothingToBackUp, PG_DUMP_HINT);
  return storage.path;
}

/** Progress on stderr, at most one line per tenth of the copy. */
function progressPrinter(): (progress: BackupProgress) => void {
  let lastTenth = -1;
  return ({ totalPages, copiedPages }) => {
    const tenth = totalPages === 0 ? 10 : Math.floor((copiedPages * 10) / totalPages);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    process.stderr.write(`backup: ${copiedPages}/${totalPages} pages (${tenth * 10}%)\n`);
  };
}

function summary(s: BackupSummary): string {
  const mb = (s.bytes / (1024 * 1024)).toFixed(1);
  return (
    `backup: wrote ${s.target}\n` +
    `  from     ${s.source}\n` +
    `  pages    ${s.pages} of ${s.pageSize} bytes\n` +
    `  bytes    ${s.bytes} (${mb} MiB)\n` +
    `  schema   version ${s.schemaVersion}, integrity_check ok\n` +
    `  took     ${(s.durationMs / 1000).toFixed(2)} s\n`
  );
}

async function main(argv: string[]): Promise<number> {
  const request = parseCommandLine(argv);
  if (!request) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const source = sourceFile();
  // Ctrl-C or a stop signal ends the copy between steps and removes the partial file.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
  try {
    const result = await backupSqlite({
      source,
      target: request.target,
      force: request.force,
      onProgress: request.quiet ? undefined : progressPrinter(),
      signal: abort.signal,
    });
    process.stdout.write(summary(result));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof BackupError) throw new CliFailure(EXIT_FOR[err.reason], err.message);
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliFailure) {
      const usage = err.exitCode === EXIT.usage ? `\n${USAGE}` : '';
      process.stderr.write(`backup: ${err.message}\n${usage}`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`backup: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
