import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTokenVerifier } from '../../server/auth/jwt';

/**
 * `npm run -s token -- …` exactly as the README has a newcomer type it: options are options (never
 * a user named `--help`), mistakes are refused with the reason, and a token is printed only when
 * the command line made sense.
 */
const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'token-cli-test-secret-that-is-long-enough-0123456789';
/** npm, then tsx compiling the CLI: give it room on a busy machine. */
const CLI_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runToken(args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', JWT_SECRET: SECRET };
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'token', '--', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm run token did not exit within ${CLI_TIMEOUT_MS} ms (args: ${args.join(' ')})`));
    }, CLI_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run token', () => {
  it(
    '--help and -h print the usage on stdout and exit 0, minting nothing',
    async () => {
      for (const result of await Promise.all([runToken(['--help']), runToken(['-h'])])) {
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^usage: npm run -s token -- <user_id>/);
        expect(result.stdout).toMatch(/--expires-in/);
        expect(result.stdout).not.toMatch(/eyJ/);
        expect(result.stderr).toBe('');
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'mints a token for the user and display name, valid for --expires-in',
    async () => {
      const before = Date.now();
      const result = await runToken(['alice', 'Alice', 'Liddell', '--expires-in', '7d']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const actor = await createTokenVerifier(SECRET)(result.stdout.trim());
      expect(actor).toMatchObject({ id: 'alice', name: 'Alice Liddell' });
      const week = 7 * 24 * 3600 * 1000;
      // `exp` is in whole seconds.
      expect(actor.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + week);
      expect(actor.expiresAt).toBeLessThanOrEqual(Date.now() + week);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses unknown options, a bad user id and a bad lifetime with exit code 2, saying why',
    async () => {
      const cases: [string[], RegExp][] = [
        [['--nope', 'alice'], /unknown option --nope/],
        [['bad id'], /"bad id" is not a user id/],
        [['alice', '--expires-in', 'soon'], /--expires-in "soon"/],
      ];
      const results = await Promise.all(
        cases.map(async ([args, reason]) => ({ reason, result: await runToken(args) })),
      );
      for (const { reason, result } of results) {
        expect(result).toMatchObject({ code: 2, stdout: '' });
        expect(result.stderr).toMatch(reason);
        expect(result.stderr).toMatch(/usage:/);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
