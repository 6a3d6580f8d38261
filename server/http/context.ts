import type { Response } from 'express';
import { ChatError } from '../../shared/errors';
import type { Actor } from '../domain/actor';

interface Locals {
  actor?: Actor;
}

/** The actor the auth middleware verified for this request. */
export function actorOf(res: Response): Actor {
  const actor = (res.locals as Locals).actor;
  if (!actor) throw new ChatError('UNAUTHORIZED', 'missing token');
  return actor;
}

/** The verified user id, when the request got that far (for logs). */
export function actorIdOf(res: Response): string | null {
  return (res.locals as Locals).actor?.id ?? null;
}

export function setActor(res: Response, actor: Actor): void {
  (res.locals as Locals).actor = actor;
}

/** The seed's `user_id` / `creator_id` body fields may only repeat the token's subject. */
export function assertSameUser(field: string, value: string | undefined, actor: Actor): void {
  if (value !== undefined && value !== actor.id) {
    throw new ChatError('FORBIDDEN', `${field} does not match the authenticated user`, [
      { field, reason: 'must equal the token subject' },
    ]);
  }
}
