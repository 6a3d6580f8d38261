import type { Logger } from '../../logger';
import type { ChatNamespace } from '../types';
import { hubOpSchema, type HubOp } from './plain-ws-hub';

const RELAY_EVENT = 'plain-ws:hub';

/**
 * Carries hub operations to the other nodes through the Socket.IO adapter's server-side events
 * (`serverSideEmit`, which the Redis adapters implement), so a broadcast made on one node reaches
 * the plain WebSockets of every node. A node does not receive its own operations.
 */
export class PlainWsRelay {
  constructor(
    private readonly nsp: ChatNamespace,
    apply: (op: HubOp) => void,
    logger: Logger,
  ) {
    this.nsp.on(RELAY_EVENT, (raw: unknown) => {
      const op = hubOpSchema.safeParse(raw);
      if (op.success) apply(op.data);
      else logger.warn('malformed plain-ws relay operation ignored', { issues: op.error.issues.length });
    });
  }

  publish(op: HubOp): void {
    this.nsp.serverSideEmit(RELAY_EVENT, op);
  }
}
