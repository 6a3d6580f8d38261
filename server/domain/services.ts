import type { DomainDeps } from './deps';
import { MessageService } from './messages';
import { PresenceService } from './presence-service';
import { ReactionService } from './reactions';
import { RoomService } from './rooms';
import { TypingService } from './typing-service';

/** The one service layer both transports call. */
export interface Services {
  rooms: RoomService;
  messages: MessageService;
  typing: TypingService;
  presence: PresenceService;
  reactions: ReactionService;
}

export function createServices(deps: DomainDeps): Services {
  const typing = new TypingService(deps);
  return {
    rooms: new RoomService(deps, typing),
    messages: new MessageService(deps, typing),
    typing,
    presence: new PresenceService(deps, typing),
    reactions: new ReactionService(deps),
  };
}
