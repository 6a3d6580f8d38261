/**
 * `npm run token -- <user_id> <display name> [--expires-in 24h]`: prints a token signed with the
 * configured JWT_SECRET (read from the environment or .env), for local use.
 */
import { existsSync } from 'node:fs';
import { displayNameSchema, userIdSchema } from '../../shared/schemas/primitives';
import { loadConfig } from '../config/env';
import { signToken } from './jwt';

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  let expiresIn = '24h';
  const flag = args.indexOf('--expires-in');
  if (flag !== -1) {
    expiresIn = args[flag + 1] ?? '';
    args.splice(flag, 2);
  }
  const [userId, ...nameParts] = args;
  const id = userIdSchema.safeParse(userId);
  const name = displayNameSchema.safeParse(nameParts.join(' ') || userId);
  if (!id.success || !name.success || !expiresIn) {
    process.stderr.write(
      'usage: npm run token -- <user_id> <display name> [--expires-in 24h]\n' +
        '  user_id: 1-64 characters of A-Z a-z 0-9 _ . : @ -; display name: 1-64 characters\n',
    );
    process.exitCode = 2;
    return;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  if (config.usingDevSecret) {
    process.stderr.write('warning: JWT_SECRET is not set; signing with the development secret\n');
  }
  process.stdout.write(`${await signToken(config.jwtSecret, { id: id.data, name: name.data }, expiresIn)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
