import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { ChatError } from '../../shared/errors';
import { displayNameSchema, userIdSchema } from '../../shared/schemas/primitives';
import type { Actor } from '../domain/actor';

/** Pinned: a token signed with any other algorithm (or `none`) is refused. */
const ALGORITHM = 'HS256';

const claimsSchema = z.object({
  sub: userIdSchema,
  name: displayNameSchema.optional(),
  exp: z.number().optional(),
  /**
   * Service-wide webhooks (docs/webhooks.md). Only `true` grants anything; any other value is read
   * as absent rather than refusing a token some other issuer gave an `admin` claim of its own.
   */
  admin: z.boolean().optional().catch(undefined),
});

export type TokenVerifier = (token: string | undefined) => Promise<Actor>;

/** Verifies HS256 tokens; every failure is the same UNAUTHORIZED, so callers learn nothing about why. */
export function createTokenVerifier(secret: string): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return async (token) => {
    if (!token) throw unauthorized('missing token');
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM] });
      const claims = claimsSchema.parse(payload);
      // A token without a display name falls back to its user id.
      const actor: Actor = {
        id: claims.sub,
        name: claims.name ?? claims.sub,
        ...(claims.exp === undefined ? {} : { expiresAt: claims.exp * 1000 }),
        ...(claims.admin === true ? { admin: true } : {}),
      };
      return actor;
    } catch {
      throw unauthorized('invalid or expired token');
    }
  };
}

export async function signToken(
  secret: string,
  user: { id: string; name: string; admin?: boolean },
  /** A lifetime such as "24h", "7d" or "15m". */
  expiresIn = '24h',
): Promise<string> {
  return new SignJWT({ name: user.name, ...(user.admin ? { admin: true } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Reads `Bearer <token>` (the scheme is case-insensitive); anything else is no token. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function unauthorized(message: string): ChatError {
  return new ChatError('UNAUTHORIZED', message);
}
