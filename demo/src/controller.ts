import type { Room, RoomDetail, RoomList } from '../../shared/index';
import { createChatClient, type ChatClient } from '../../shared/client';
import { describeError, errorCode } from './describe-error';
import { newClientId } from './format';
import { noteMessage, noteRead, sidebarRooms } from './rooms';
import { applyServerEvents } from './server-events';
import {
  findMessage,
  initialState,
  notePinChange,
  putMessage,
  type DemoState,
  type Panel,
  type SidePanel,
} from './state';
import { forgetToken, identityOf, type Identity } from './token';
import { TypingSender } from './typing-sender';

const HISTORY_PAGE = 50;
/** Rooms per room:list page (the contract's maximum). */
const ROOM_PAGE = 100;
const THREAD_PAGE = 100;
const MENTIONS_PAGE = 50;
const SEARCH_PAGE = 20;
type SideOf<K extends SidePanel['kind']> = Extract<SidePanel, { kind: K }>;
const ALL_PANELS: Panel[] = ['session', 'rooms', 'room', 'messages', 'thread', 'side', 'typing'];

/**
 * What the page does: one typed client (websocket first), the state it feeds, and the actions the
 * page's controls call. Every failure ends up in the error banner rather than in the console only.
 */
export class DemoController {
  readonly state: DemoState = initialState();
  private client: ChatClient | null = null;
  private stopListening: (() => void) | null = null;
  private readonly followed = new Set<string>();
  private readonly typingSender = new TypingSender((roomId, isTyping) => {
    this.run(this.client?.setTyping({ room_id: roomId, is_typing: isTyping }));
  });

  constructor(private readonly invalidate: (...panels: Panel[]) => void) {}

  /** Connects with a token; false (and nothing changes) when it is not a JWT at all. */
  signIn(token: string): boolean {
    const me = identityOf(token);
    if (!me) {
      this.fail('That does not look like a JWT (three base64url parts with a "sub" claim).');
      return false;
    }
    this.signOut();
    this.state.me = me;
    this.state.connection = 'connecting';
    this.state.error = null;
    const client = createChatClient({ url: location.origin, token });
    this.client = client;
    this.stopListening = applyServerEvents(client, this.state, {
      invalidate: this.invalidate,
      seenInSelectedRoom: (roomId, seq) => this.markRead(roomId, seq),
      reloadRooms: () => this.run(this.refreshRooms()),
      reloadMembers: (roomId) => this.run(this.loadMembers(roomId)),
      follow: (room) => this.follow(room),
    });
    client.on('connected', () => this.onConnected(me));
    client.on('disconnected', () => this.setConnection('disconnected'));
    client.on('error', (err) => {
      if (errorCode(err) === 'UNAUTHORIZED') {
        forgetToken();
        this.signOut();
        this.state.connection = 'refused';
        this.fail('The server refused this token (expired, or signed with another secret). Paste a new one.');
      } else {
        this.fail(describeError(err));
      }
    });
    if (client.connected) this.onConnected(me);
    this.invalidate(...ALL_PANELS);
    return true;
  }

  signOut(): void {
    this.stopListening?.();
    this.client?.close();
    this.client = null;
    this.stopListening = null;
    this.followed.clear();
    Object.assign(this.state, initialState());
    this.invalidate(...ALL_PANELS);
  }

  dismissError(): void {
    this.state.error = null;
    this.invalidate('session');
  }

  async refreshRooms(): Promise<void> {
    const client = this.requireClient();
    const rooms = await allRooms(client);
    this.state.rooms = new Map(rooms.map((room) => [room.id, room]));
    for (const room of rooms) this.follow(room);
    // A public room one reads without having joined it (from a search result) stays open.
    const selected = this.state.selectedRoomId;
    if (selected !== null && !this.state.rooms.has(selected)) this.deselect();
    this.invalidate('rooms', 'room');
  }

  async selectRoom(roomId: string): Promise<void> {
    const client = this.requireClient();
    if (this.state.selectedRoomId !== roomId) {
      this.typingSender.stop();
      this.state.selectedRoomId = roomId;
      this.state.threadParentId = null;
      this.state.focusMessageId = null;
      // Pins are the room's; mentions and search results span rooms and stay.
      if (this.state.side?.kind === 'pins') this.state.side = null;
      this.invalidate('rooms', 'room', 'messages', 'thread', 'side', 'typing');
    }
    const [page] = await Promise.all([
      client.history({ room_id: roomId, limit: HISTORY_PAGE }),
      this.loadMembers(roomId),
    ]);
    this.followed.add(roomId);
    for (const message of page.messages) putMessage(this.state, message);
    this.state.hasOlder.set(roomId, page.has_more);
    const last = page.messages.at(-1);
    if (last) noteMessage(this.state, roomId, last.seq, false);
    this.invalidate('rooms', 'messages');
    this.markRead(roomId, this.state.rooms.get(roomId)?.last_message_seq ?? 0);
  }

  async loadOlder(): Promise<void> {
    const roomId = this.state.selectedRoomId;
    const loaded = roomId === null ? undefined : this.state.messages.get(roomId);
    if (roomId === null || !loaded || loaded.size === 0) return;
    const oldest = Math.min(...[...loaded.values()].map((m) => m.seq));
    const page = await this.requireClient().history({
      room_id: roomId,
      before_seq: oldest,
      limit: HISTORY_PAGE,
    });
    for (const message of page.messages) putMessage(this.state, message);
    this.state.hasOlder.set(roomId, page.has_more);
    this.invalidate('messages');
  }

  async createRoom(name: string, isPrivate: boolean): Promise<void> {
    const detail = await this.requireClient().createRoom({ name, is_private: isPrivate });
    this.adoptRoom(detail);
    await this.selectRoom(detail.id);
  }

  async joinRoom(roomId: string): Promise<void> {
    const detail = await this.requireClient().joinRoom({ room_id: roomId });
    this.adoptRoom(detail);
    await this.selectRoom(detail.id);
  }

  /** Opens (creating it the first time) the direct message with a user, and shows it. */
  async openDirectMessage(userId: string): Promise<void> {
    const detail = await this.requireClient().openDirectMessage({ user_id: userId });
    this.adoptRoom(detail);
    await this.selectRoom(detail.id);
  }

  async send(content: string, parentId: string | null): Promise<void> {
    const roomId = this.state.selectedRoomId;
    if (roomId === null) return;
    const message = await this.requireClient().sendMessage({
      room_id: roomId,
      content,
      client_id: newClientId(),
      ...(parentId === null ? {} : { parent_id: parentId }),
    });
    this.typingSender.sent();
    putMessage(this.state, message);
    noteMessage(this.state, roomId, message.seq, true);
    this.invalidate('rooms', 'messages', 'thread');
  }

  typed(value: string): void {
    if (this.state.selectedRoomId !== null) this.typingSender.input(this.state.selectedRoomId, value);
  }

  stopTyping(): void {
    this.typingSender.stop();
  }

  /** Adds one's reaction, or removes it when one already reacted with that emoji. */
  async toggleReaction(messageId: string, emoji: string): Promise<void> {
    const client = this.requireClient();
    const me = this.state.me?.id;
    const message = findMessage(this.state, messageId);
    const mine = message?.reactions.some(
      (r) => r.emoji === emoji && me !== undefined && r.user_ids.includes(me),
    );
    const reaction = { message_id: messageId, emoji };
    const result = mine ? await client.removeReaction(reaction) : await client.addReaction(reaction);
    const current = findMessage(this.state, messageId);
    if (current) putMessage(this.state, { ...current, reactions: result.reactions });
    this.invalidate('messages', 'thread');
  }

  async togglePin(messageId: string): Promise<void> {
    const client = this.requireClient();
    const pinned = Boolean(findMessage(this.state, messageId)?.pinned_at);
    const ref = { message_id: messageId };
    const message = pinned ? await client.unpinMessage(ref) : await client.pinMessage(ref);
    putMessage(this.state, message);
    notePinChange(this.state, message);
    this.invalidate('messages', 'thread', 'side');
  }

  showMentions(): Promise<void> {
    const side: SideOf<'mentions'> = { kind: 'mentions', messages: null };
    return this.openSide(side, async (client) => {
      side.messages = (await client.listMentions({ limit: MENTIONS_PAGE })).messages;
    });
  }

  search(query: string): Promise<void> {
    const side: SideOf<'search'> = { kind: 'search', query, results: null };
    return this.openSide(side, async (client) => {
      side.results = (await client.searchMessages({ q: query, limit: SEARCH_PAGE })).results;
    });
  }

  showPins(): Promise<void> {
    const roomId = this.state.selectedRoomId;
    if (roomId === null) return Promise.resolve();
    const side: SideOf<'pins'> = { kind: 'pins', roomId, messages: null };
    return this.openSide(side, async (client) => {
      side.messages = (await client.listPins({ room_id: roomId })).messages;
    });
  }

  closeSide(): void {
    this.state.side = null;
    this.invalidate('side');
  }

  /** Shows a message a mention, pin or search result points at: its room, scrolled to it. */
  async openMessage(roomId: string, messageId: string): Promise<void> {
    if (this.state.selectedRoomId !== roomId) await this.selectRoom(roomId);
    this.state.focusMessageId = messageId;
    this.invalidate('messages');
  }

  async openThread(messageId: string): Promise<void> {
    const roomId = this.state.selectedRoomId;
    if (roomId === null) return;
    this.state.threadParentId = messageId;
    this.state.side = null;
    this.invalidate('thread', 'side');
    const page = await this.requireClient().history({
      room_id: roomId,
      parent_id: messageId,
      limit: THREAD_PAGE,
    });
    for (const message of page.messages) putMessage(this.state, message);
    this.invalidate('thread');
  }

  closeThread(): void {
    this.state.threadParentId = null;
    this.invalidate('thread');
  }

  /** Marks the room on screen read up to its last message, if the tab is being looked at. */
  markSelectedRead(): void {
    const roomId = this.state.selectedRoomId;
    if (roomId !== null) this.markRead(roomId, this.state.rooms.get(roomId)?.last_message_seq ?? 0);
  }

  /** Runs an action, reporting its failure in the banner. */
  run(action: Promise<unknown> | undefined): void {
    action?.catch((err: unknown) => this.fail(describeError(err)));
  }

  private onConnected(me: Identity): void {
    // Failures to reconnect were reported while they happened; being back makes them old news.
    if (this.state.connection === 'disconnected') this.state.error = null;
    this.state.presence.set(me.id, 'online');
    this.setConnection('connected');
    this.run(
      this.refreshRooms().then(async () => {
        // Back on the room that was open (after a reconnect), or on the first of one's rooms.
        const roomId = this.state.selectedRoomId ?? sidebarRooms(this.state).mine[0]?.id;
        if (roomId !== undefined) await this.selectRoom(roomId);
      }),
    );
  }

  /**
   * Shows a list in the right-hand panel (closing a thread there) while `load` fills it. An answer
   * that comes after the panel was closed or replaced changes nothing on screen.
   */
  private async openSide(side: SidePanel, load: (client: ChatClient) => Promise<void>): Promise<void> {
    const client = this.requireClient();
    this.state.side = side;
    this.state.threadParentId = null;
    this.invalidate('thread', 'side');
    try {
      await load(client);
    } catch (err) {
      // Nothing to show: close the panel, and let the banner say why.
      if (this.state.side === side) this.state.side = null;
      throw err;
    } finally {
      this.invalidate('side');
    }
  }

  /** Follows a room one is a member of, once (its messages then arrive in order across reconnects). */
  private follow(room: Room): void {
    if (!room.is_member || this.followed.has(room.id)) return;
    this.followed.add(room.id);
    this.run(this.client?.follow({ room_id: room.id, after_seq: room.last_message_seq }));
  }

  private markRead(roomId: string, seq: number): void {
    const room = this.state.rooms.get(roomId);
    if (!this.client || !room?.is_member || seq <= (room.last_read_seq ?? 0)) return;
    if (roomId !== this.state.selectedRoomId || document.visibilityState !== 'visible') return;
    this.run(
      this.client.markRead({ room_id: roomId, seq }).then((read) => {
        noteRead(this.state, read.room_id, read.last_read_seq, read.unread_mentions);
        this.invalidate('rooms');
      }),
    );
  }

  private async loadMembers(roomId: string): Promise<void> {
    const client = this.requireClient();
    const detail = await client.getRoom({ room_id: roomId });
    this.adoptRoom(detail);
    const others = detail.members.map((m) => m.user_id).filter((id) => id !== this.state.me?.id);
    if (detail.is_member && others.length > 0) {
      const { presence } = await client.getPresence({ user_ids: others.slice(0, 100) });
      for (const entry of presence) this.state.presence.set(entry.user_id, entry.status);
    }
    this.invalidate('room', 'messages');
  }

  /** Keeps a room and its members as room:create / room:join / room:get answered them. */
  private adoptRoom(detail: RoomDetail): void {
    const { members, ...room } = detail;
    this.state.rooms.set(room.id, room);
    this.state.members.set(room.id, members);
    for (const m of members) this.state.presence.set(m.user_id, m.online ? 'online' : 'offline');
    // Creating, joining and reading history make the client follow a room (see ChatClient).
    if (room.is_member) this.followed.add(room.id);
    this.invalidate('rooms', 'room');
  }

  private deselect(): void {
    this.state.selectedRoomId = null;
    this.state.threadParentId = null;
    this.state.focusMessageId = null;
    if (this.state.side?.kind === 'pins') this.state.side = null;
    this.invalidate('room', 'messages', 'thread', 'side', 'typing');
  }

  private setConnection(connection: DemoState['connection']): void {
    this.state.connection = connection;
    this.invalidate('session');
  }

  private fail(message: string): void {
    this.state.error = message;
    this.invalidate('session');
  }

  private requireClient(): ChatClient {
    if (!this.client) throw new Error('Not connected: paste a token first.');
    return this.client;
  }
}

/** Every room the user can see, page after page (the sidebar lists them all). */
async function allRooms(client: ChatClient): Promise<Room[]> {
  const rooms: Room[] = [];
  let cursor: string | null = null;
  do {
    const page: RoomList = await client.listRooms({ limit: ROOM_PAGE, cursor });
    rooms.push(...page.rooms);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return rooms;
}
