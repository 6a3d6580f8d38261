/** Who acts: decided by the verified token, never by a request body. */
export interface Actor {
  readonly id: string;
  readonly name: string;
  /** When the token that vouches for this actor expires (ms since the epoch), if it does. */
  readonly expiresAt?: number;
  /**
   * The token's `admin: true` claim: may manage service-wide webhooks (and every hook). Absent for
   * everyone else; nothing else depends on it.
   */
  readonly admin?: boolean;
}

export function hasExpired(actor: Actor, now = Date.now()): boolean {
  return actor.expiresAt !== undefined && actor.expiresAt <= now;
}
