import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ChatError } from '../../shared/errors';
import { bearerToken, createTokenVerifier, signToken } from '../../server/auth/jwt';
import { handMade, nowSeconds, segment, tokenSigner } from '../helpers/tokens';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256-abcdef';
const OTHER_SECRET = 'another-secret-that-is-just-as-long-for-hs256-abcdef';
const verify = createTokenVerifier(SECRET);
const sign = tokenSigner(SECRET);

/** Every refusal is the same ChatError UNAUTHORIZED, whatever the reason. */
async function expectUnauthorized(token: string | undefined): Promise<void> {
  const outcome = verify(token);
  await expect(outcome).rejects.toBeInstanceOf(ChatError);
  await expect(outcome).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
}

describe('signToken and createTokenVerifier', () => {
  it('round-trips a user id and display name', async () => {
    const token = await signToken(SECRET, { id: 'alice', name: 'Alice Smith' });
    await expect(verify(token)).resolves.toEqual({
      id: 'alice',
      name: 'Alice Smith',
      expiresAt: expect.any(Number),
    });
  });

  it("carries the token's exp (in ms), so a socket can be ended when its token expires", async () => {
    const token = await signToken(SECRET, { id: 'alice', name: 'Alice' }, '1h');
    const exp = (decodeJwt(token).exp ?? 0) * 1000;
    expect(exp).toBeGreaterThan(Date.now());
    await expect(verify(token)).resolves.toMatchObject({ expiresAt: exp });
  });

  it('signs HS256 with sub, name, iat and an exp 24 hours ahead by default', async () => {
    const before = nowSeconds();
    const token = await signToken(SECRET, { id: 'alice', name: 'Alice' });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice', name: 'Alice' });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 24 * 3600);
    expect(claims.exp).toBeLessThanOrEqual(nowSeconds() + 24 * 3600);
    expect(typeof claims.iat).toBe('number');
  });

  it('honours a custom lifetime', async () => {
    const before = nowSeconds();
    const claims = decodeJwt(await signToken(SECRET, { id: 'alice', name: 'Alice' }, '1h'));
    expect(claims.exp).toBeGreaterThanOrEqual(before + 3600);
    expect(claims.exp).toBeLessThanOrEqual(nowSeconds() + 3600);
  });

  it('refuses an expired token', async () => {
    await expectUnauthorized(await sign({ sub: 'alice', name: 'Alice', exp: nowSeconds() - 60 }));
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    await expectUnauthorized(await sign({ sub: 'alice', name: 'Alice', nbf: nowSeconds() + 3600 }));
  });

  it('accepts a token without exp (exp is honoured only when present)', async () => {
    await expect(verify(await sign({ sub: 'alice', name: 'Alice' }))).resolves.toEqual({
      id: 'alice',
      name: 'Alice',
    });
  });

  it('refuses a token signed with another secret', async () => {
    await expectUnauthorized(await signToken(OTHER_SECRET, { id: 'alice', name: 'Alice' }));
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await signToken(SECRET, { id: 'alice', name: 'Alice' })).split('.');
    const forged = `${header}.${segment({ sub: 'admin', name: 'Admin', exp: nowSeconds() + 3600 })}.${signature}`;
    await expectUnauthorized(forged);
  });

  it.each(['HS384', 'HS512'])(
    'refuses %s even with the right secret (the algorithm is pinned)',
    async (alg) => {
      await expectUnauthorized(await sign({ sub: 'alice', name: 'Alice' }, { alg }));
    },
  );

  it('refuses an unsigned alg "none" token', async () => {
    await expectUnauthorized(handMade({ alg: 'none', typ: 'JWT' }, { sub: 'alice', name: 'Alice' }));
  });

  it('accepts a hand-made HS256 token (the control for the hand-made cases below)', async () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice', name: 'Alice' }, SECRET);
    await expect(verify(token)).resolves.toEqual({ id: 'alice', name: 'Alice' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no sub', { name: 'Alice' }],
    ['an empty sub', { sub: '', name: 'Alice' }],
    ['a sub with a space', { sub: 'ali ce', name: 'Alice' }],
    ['a sub of 65 characters', { sub: 'a'.repeat(65), name: 'Alice' }],
    ['a sub with a slash', { sub: 'alice/bob', name: 'Alice' }],
    ['a numeric sub', { sub: 42, name: 'Alice' }],
    ['a non-string name', { sub: 'alice', name: 42 }],
  ])('refuses a token with %s', async (_case, payload) => {
    await expectUnauthorized(handMade({ alg: 'HS256', typ: 'JWT' }, payload, SECRET));
  });

  it('accepts every character the contract allows in a user id, up to 64 of them', async () => {
    for (const id of ['a_b.c:d@e-F9', 'x'.repeat(64), 'user@example.com']) {
      await expect(verify(await sign({ sub: id, name: 'N' }))).resolves.toEqual({ id, name: 'N' });
    }
  });

  it('falls back to the user id when the token has no name', async () => {
    await expect(verify(await sign({ sub: 'carol' }))).resolves.toEqual({ id: 'carol', name: 'carol' });
  });

  it.each<[string, string | undefined]>([
    ['no token', undefined],
    ['an empty token', ''],
    ['garbage', 'not-a-jwt'],
    ['three garbage segments', 'abc.def.ghi'],
  ])('refuses %s', async (_case, token) => {
    await expectUnauthorized(token);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['Bearer    abc.def.ghi  ', 'abc.def.ghi'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'abc.def.ghi',
    'Bearer a b',
    'Bearerabc',
  ])('finds no token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
