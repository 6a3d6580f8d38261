import { USER_ID_PATTERN } from '../../shared/limits';

/**
 * `@user_id` in a message's content. A mention starts at an `@` that opens the content or follows a
 * character that cannot be part of a user id (so `bob@example.com` mentions nobody), and runs over
 * every user-id character after it. Sentence punctuation often ends such a run ("thanks @bob."):
 * the run as written is tried first, then without its trailing `.`, `:` and `-`, since ids may
 * contain those characters.
 */
const MENTION = /(?<![A-Za-z0-9_.:@-])@([A-Za-z0-9_.:@-]+)/g;
const TRAILING_PUNCTUATION = /[.:-]+$/;

/** One `@…` of the content: the ids it may name, the run as written first. */
export interface MentionToken {
  /** The run as written; null when it is too long to be a user id. */
  full: string | null;
  /** The run without its trailing `.`, `:`, `-`; null when that is the run itself or nothing is left. */
  trimmed: string | null;
}

/** Every `@…` of the content that may name a user, in order of appearance. */
export function mentionTokens(content: string): MentionToken[] {
  const tokens: MentionToken[] = [];
  for (const match of content.matchAll(MENTION)) {
    const run = match[1];
    if (run === undefined) continue;
    const cut = run.replace(TRAILING_PUNCTUATION, '');
    const full = USER_ID_PATTERN.test(run) ? run : null;
    const trimmed = cut !== run && USER_ID_PATTERN.test(cut) ? cut : null;
    if (full !== null || trimmed !== null) tokens.push({ full, trimmed });
  }
  return tokens;
}

/** Every id the tokens may name, each once: what the store is asked about in one query. */
export function mentionCandidates(tokens: readonly MentionToken[]): string[] {
  const ids = new Set<string>();
  for (const { full, trimmed } of tokens) {
    if (full !== null) ids.add(full);
    if (trimmed !== null) ids.add(trimmed);
  }
  return [...ids];
}

/**
 * The members the tokens mention: for each token the run as written when it is a member, else the
 * trimmed run when that is; each member once, in order of first appearance, at most `max`.
 */
export function pickMentions(
  tokens: readonly MentionToken[],
  members: ReadonlySet<string>,
  max: number,
): string[] {
  const picked = new Set<string>();
  for (const { full, trimmed } of tokens) {
    if (picked.size >= max) break;
    const id =
      full !== null && members.has(full) ? full : trimmed !== null && members.has(trimmed) ? trimmed : null;
    if (id !== null) picked.add(id);
  }
  return [...picked];
}
