import { createHmac } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

/** Builders for JWTs, valid or not, that tests hand to the token verifier. */

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** One base64url-encoded JSON segment of a JWT. */
export const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export type SignOptions = { alg?: string; secret?: string };

/** A `sign(payload, opts)` that signs with jose, HS256 and `defaultSecret` unless `opts` say otherwise. */
export function tokenSigner(
  defaultSecret: string,
): (payload: JWTPayload, opts?: SignOptions) => Promise<string> {
  return (payload, opts = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(opts.secret ?? defaultSecret));
}

/** A token assembled by hand (HS256 with `secret`, or unsigned without one), for claims jose's types refuse. */
export function handMade(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret?: string,
): string {
  const input = `${segment(header)}.${segment(payload)}`;
  const signature = secret ? createHmac('sha256', secret).update(input).digest('base64url') : '';
  return `${input}.${signature}`;
}
