import type { DomainDeps } from './deps';
import { MessageService } from './messages';
import { RoomService } from './rooms';

/** The one service layer both transports call. */
export interface Services {
  rooms: RoomService;
  messages: MessageService;
}

export function createServices(deps: DomainDeps): Services {
  return { rooms: new RoomService(deps), messages: new MessageService(deps) };
}
