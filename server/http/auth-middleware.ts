import type { RequestHandler } from 'express';
import { bearerToken, type TokenVerifier } from '../auth/jwt';
import type { RateLimiter } from '../domain/rate-limits';
import { setActor } from './context';

/**
 * Every /api request needs `Authorization: Bearer <token>`; failures go to the error middleware.
 * Failed attempts count against the caller's address, so guessing tokens is rate limited.
 */
export function requireAuth(verify: TokenVerifier, rateLimiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    const actor = await verify(bearerToken(req.headers.authorization)).catch(async (err: unknown) => {
      await rateLimiter.consume('unauthenticated', req.ip ?? 'unknown');
      throw err;
    });
    setActor(res, actor);
    next();
  };
}
