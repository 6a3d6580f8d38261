import type { TypingUser } from '../../shared/index';

/** "Bob is typing…", "Bob and Carol are typing…", "4 people are typing…", or "". */
export function typingText(users: readonly TypingUser[]): string {
  const [first, second] = users;
  if (!first) return '';
  if (users.length === 1) return `${first.username} is typing…`;
  if (users.length === 2 && second) return `${first.username} and ${second.username} are typing…`;
  return `${users.length} people are typing…`;
}

export function clock(timestamp: string): string {
  return new Date(timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}

/** A stable hue per user, so an avatar keeps its colour across reloads and between users' screens. */
export function hueOf(userId: string): number {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The http(s) URL an image or file message carries, or null (never a javascript: link). */
export function safeHttpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** An idempotency key for message:send; getRandomValues also works on plain-http origins. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `demo-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
