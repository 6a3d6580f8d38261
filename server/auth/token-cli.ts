/**
 * `npm run -s token -- <user_id> [display name] [--expires-in 24h] [--admin]`: prints a token signed
 * with the configured JWT_SECRET (read from the environment or .env), for local use. `--admin` adds
 * the `admin: true` claim (service-wide webhooks).
 *
 * Exit codes: 0 a token (or the help) was printed; 2 bad usage (unknown option, bad user id, name
 * or lifetime), with the reason on stderr; 1 anything else (an invalid configuration, for one).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { displayNameSchema, userIdSchema } from '../../shared/schemas/primitives';
import { loadConfig } from '../config/env';
import { signToken } from './jwt';

const USAGE = `usage: npm run -s token -- <user_id> [display name] [--expires-in <lifetime>] [--admin]

Prints a token (HS256 JWT) signed with JWT_SECRET, read from the environment or .env.

  user_id          1-64 characters of A-Z a-z 0-9 _ . : @ -
  display name     1-64 characters (default: the user id); the words after user_id
  --expires-in     lifetime such as 15m, 24h or 7d (default 24h)
  --admin          adds the admin claim: may manage service-wide webhooks (docs/webhooks.md)
  -h, --help       prints this help

Example: export CHAT_TOKEN=$(npm run -s token -- alice "Alice Liddell")
`;

/** A lifetime jose accepts and that means something here: a positive whole number and a unit. */
const LIFETIME = /^[1-9]\d*\s?(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|week|weeks)$/;

class UsageError extends Error {}

interface Request {
  userId: string;
  name: string;
  expiresIn: string;
  admin: boolean;
}

/** Reads the command line; `undefined` when help was asked for. Throws a UsageError otherwise. */
function parseCommandLine(argv: string[]): Request | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        'expires-in': { type: 'string' },
        admin: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // An unknown option (`--foo`), or --expires-in without its value.
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [userId, ...nameWords] = positionals;
  if (userId === undefined) throw new UsageError('a user id is required');
  const id = userIdSchema.safeParse(userId);
  if (!id.success) {
    throw new UsageError(`${JSON.stringify(userId)} is not a user id (1-64 of A-Z a-z 0-9 _ . : @ -)`);
  }
  const name = displayNameSchema.safeParse(nameWords.join(' ') || userId);
  if (!name.success) throw new UsageError('the display name must be 1-64 characters');
  const expiresIn = values['expires-in'] ?? '24h';
  if (!LIFETIME.test(expiresIn)) {
    throw new UsageError(`--expires-in ${JSON.stringify(expiresIn)}: give a lifetime such as 15m, 24h or 7d`);
  }
  return { userId: id.data, name: name.data, expiresIn, admin: values.admin === true };
}

async function main(argv: string[]): Promise<void> {
  let request;
  try {
    request = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`token: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!request) {
    process.stdout.write(USAGE);
    return;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  if (config.usingDevSecret) {
    process.stderr.write('warning: JWT_SECRET is not set; signing with the development secret\n');
  }
  const token = await signToken(
    config.jwtSecret,
    { id: request.userId, name: request.name, admin: request.admin },
    request.expiresIn,
  );
  process.stdout.write(`${token}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
