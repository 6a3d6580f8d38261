import { signToken } from '../../../server/auth/jwt';
import { tokenSubject } from '../../../shared/client/token-subject';

describe('tokenSubject', () => {
  it("reads a JWT's sub without the secret, base64url and UTF-8 included", async () => {
    const secret = 'a-secret-the-client-never-knows-0123456789abcdef';
    expect(tokenSubject(await signToken(secret, { id: 'alice', name: 'Alice' }))).toBe('alice');
    // Non-ASCII makes '-' and '_' likely in the base64url payload.
    const id = 'zoë-~~~?>>>ü';
    expect(tokenSubject(await signToken(secret, { id, name: 'Zoë' }))).toBe(id);
  });

  it('answers undefined for anything that is not a readable JWT with a sub', () => {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const token of [
      '',
      'opaque-token',
      'a.%%%.c',
      `h.${encode({ name: 'no sub' })}.s`,
      `h.${encode('x')}.s`,
    ]) {
      expect([token, tokenSubject(token)]).toEqual([token, undefined]);
    }
  });
});
