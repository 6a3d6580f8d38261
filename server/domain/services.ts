import type { DomainDeps } from './deps';
import { InviteService } from './invites';
import { MessageService } from './messages';
import { PresenceService } from './presence-service';
import { ReactionService } from './reactions';
import { RoomService } from './rooms';
import { TypingService } from './typing-service';

/** The one service layer both transports call. */
export interface Services {
  rooms: RoomService;
  invites: InviteService;
  messages: MessageService;
  typing: TypingService;
  presence: PresenceService;
  reactions: ReactionService;
}

export function createServices(deps: DomainDeps): Services {
  const typing = new TypingService(deps);
  const invites = new InviteService(deps);
  return {
    rooms: new RoomService(deps, typing, invites),
    invites,
    messages: new MessageService(deps, typing),
    typing,
    presence: new PresenceService(deps, typing),
    reactions: new ReactionService(deps),
  };
}
