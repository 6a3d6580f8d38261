import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTokenVerifier, signToken } from '../../server/auth/jwt';
import { TEST_SECRET } from '../helpers/server';
import { tokenSigner } from '../helpers/tokens';

/**
 * The `admin` claim that service-wide webhooks need: only `admin: true` grants it, any other value
 * is read as absent (the token stays valid), and `npm run token -- <id> --admin` mints it.
 */

const verify = createTokenVerifier(TEST_SECRET);
const sign = tokenSigner(TEST_SECRET);

test.each([
  [true, { admin: true }],
  [false, {}],
  ['true', {}],
  [1, {}],
])('admin: %j → %j', async (claim, expected) => {
  const actor = await verify(await sign({ sub: 'root', name: 'Root', admin: claim }));
  expect(actor).toEqual({ id: 'root', name: 'Root', ...expected });
});

test('signToken adds the claim only when asked', async () => {
  await expect(
    verify(await signToken(TEST_SECRET, { id: 'a', name: 'A', admin: true })),
  ).resolves.toMatchObject({
    admin: true,
  });
  expect(await verify(await signToken(TEST_SECRET, { id: 'b', name: 'B' }))).not.toHaveProperty('admin');
});

test('npm run token -- <id> --admin mints an admin token', async () => {
  const root = path.resolve(__dirname, '../..');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '-s', 'token', '--', ...args], {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'development', JWT_SECRET: TEST_SECRET },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('npm run token did not exit within 30 s'));
      }, 30_000);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout });
      });
    });
  const [admin, plain] = await Promise.all([run(['root', 'Root', '--admin']), run(['alice'])]);
  expect(admin.code).toBe(0);
  await expect(verify(admin.stdout.trim())).resolves.toMatchObject({ id: 'root', name: 'Root', admin: true });
  expect(await verify(plain.stdout.trim())).not.toHaveProperty('admin');
}, 60_000);
