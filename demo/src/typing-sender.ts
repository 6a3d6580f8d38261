/**
 * Turns keystrokes into typing:update calls: `true` when typing starts and again every `renewMs`
 * while it goes on (the server forgets it after TYPING_TIMEOUT_MS, 6 s by default), `false` when
 * the field is emptied, loses focus or the room changes. A sent message ends typing on the server by
 * itself, so `sent()` only forgets the local state.
 */
export class TypingSender {
  private roomId: string | null = null;
  private lastSentAt = 0;

  constructor(
    private readonly send: (roomId: string, isTyping: boolean) => void,
    private readonly renewMs = 3000,
  ) {}

  input(roomId: string, value: string): void {
    if (value.trim() === '') {
      this.stop();
      return;
    }
    if (this.roomId !== null && this.roomId !== roomId) this.stop();
    const now = Date.now();
    if (this.roomId === roomId && now - this.lastSentAt < this.renewMs) return;
    this.roomId = roomId;
    this.lastSentAt = now;
    this.send(roomId, true);
  }

  stop(): void {
    if (this.roomId !== null) this.send(this.roomId, false);
    this.roomId = null;
  }

  sent(): void {
    this.roomId = null;
  }
}
