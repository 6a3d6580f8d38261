import type { DomainDeps } from './deps';
import { DirectMessageService } from './direct-messages';
import { InviteService } from './invites';
import { MentionService } from './mentions';
import { MessageService } from './messages';
import { ModerationService } from './moderation';
import { PinService } from './pins';
import { PresenceService } from './presence-service';
import { ReactionService } from './reactions';
import { RoomService } from './rooms';
import { SearchService } from './search';
import { TypingService } from './typing-service';

/** The one service layer both transports call. */
export interface Services {
  rooms: RoomService;
  invites: InviteService;
  messages: MessageService;
  typing: TypingService;
  presence: PresenceService;
  reactions: ReactionService;
  dms: DirectMessageService;
  mentions: MentionService;
  search: SearchService;
  moderation: ModerationService;
  pins: PinService;
}

export function createServices(deps: DomainDeps): Services {
  const typing = new TypingService(deps);
  const invites = new InviteService(deps);
  const mentions = new MentionService(deps);
  const rooms = new RoomService(deps, typing, invites);
  return {
    rooms,
    invites,
    messages: new MessageService(deps, typing, mentions),
    typing,
    presence: new PresenceService(deps, typing),
    reactions: new ReactionService(deps),
    dms: new DirectMessageService(deps, rooms),
    mentions,
    search: new SearchService(deps),
    moderation: new ModerationService(deps, typing),
    pins: new PinService(deps),
  };
}
