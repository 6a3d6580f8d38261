/**
 * Who is online, as the domain needs to read it. The realtime layer feeds an implementation from
 * socket connects and disconnects; an implementation shared between nodes can replace it.
 */
export interface PresenceReader {
  onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>>;
}
