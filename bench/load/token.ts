import { createHmac } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * An HS256 JWT as the service verifies it (docs/protocol.md, "Identity"): `sub` is the user id,
 * `name` the display name. Signed here with node:crypto so thousands cost milliseconds.
 */
export function signBenchToken(secret: string, userId: string, lifetimeSeconds = 3600): string {
  const issuedAt = Math.floor(Date.now() / 1000);
  const claims = { sub: userId, name: userId, iat: issuedAt, exp: issuedAt + lifetimeSeconds };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url');
  return `${HEADER}.${body}.${signature}`;
}
