import type { RequestHandler } from 'express';
import { bearerToken, type TokenVerifier } from '../auth/jwt';
import { setActor } from './context';

/** Every /api request needs `Authorization: Bearer <token>`; failures go to the error middleware. */
export function requireAuth(verify: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    setActor(res, await verify(bearerToken(req.headers.authorization)));
    next();
  };
}
