import * as z from 'zod';
import { SEARCH_DEPTH_MAX } from '../limits';
import { entityIdSchema, onStrings, timestampSchema, userIdSchema } from './primitives';

/**
 * Where a page of a list ends: the sort key of its last row (a time, then an id to break ties).
 * Lists are read in ascending key order, so the next page starts strictly after this key and a row
 * added meanwhile is neither skipped nor repeated.
 */
export interface PageKey {
  at: string;
  id: string;
}

/** Longer than any key can encode to: anything longer is refused before it is decoded. */
const CURSOR_MAX = 200;

/**
 * A cursor is opaque to clients: base64url of the key as JSON. `btoa`/`atob` (not Buffer) so the
 * same code runs in browsers; the key is ASCII (an ISO time and an id), so they cannot fail on it.
 */
export function encodePageCursor(key: PageKey): string {
  return btoa(JSON.stringify([key.at, key.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function decodePageCursor(cursor: string, keySchema: z.ZodType<[string, string]>): PageKey | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const json: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    const parsed = keySchema.safeParse(json);
    return parsed.success ? { at: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

/** A `cursor` field whose key ends in an id of `idSchema`: decoded to its key, else VALIDATION_ERROR. */
function cursorSchema(idSchema: z.ZodString) {
  const keySchema = z.tuple([timestampSchema, idSchema]);
  return z
    .string()
    .max(CURSOR_MAX, onStrings())
    .transform((cursor, ctx): PageKey => {
      const key = decodePageCursor(cursor, keySchema);
      if (key) return key;
      ctx.addIssue({ code: 'custom', message: 'must be a next_cursor returned by an earlier page' });
      return z.NEVER;
    })
    .describe('The `next_cursor` of the previous page; absent for the first page.');
}

/** The cursor of room and invite lists: a creation time and a room id. */
export const pageCursorSchema = cursorSchema(entityIdSchema);

/** The cursor of member lists: a `joined_at` and a user id (user ids allow `.`, `:` and `@`). */
export const memberCursorSchema = cursorSchema(userIdSchema);

/**
 * The cursor of search pages: how many results the earlier pages held (ranked results have no
 * stable key to resume after). base64url of `["s", offset]`; refused past SEARCH_DEPTH_MAX.
 */
export function encodeSearchCursor(offset: number): string {
  return btoa(JSON.stringify(['s', offset]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export const searchCursorSchema = z
  .string()
  .max(CURSOR_MAX, onStrings())
  .transform((cursor, ctx): number => {
    const offset = decodeSearchCursor(cursor);
    if (offset !== undefined) return offset;
    ctx.addIssue({ code: 'custom', message: 'must be a next_cursor returned by an earlier page' });
    return z.NEVER;
  })
  .describe('The `next_cursor` of the previous page; absent for the first page.');

function decodeSearchCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const json: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    const parsed = z.tuple([z.literal('s'), z.number().int().min(1).max(SEARCH_DEPTH_MAX)]).safeParse(json);
    return parsed.success ? parsed.data[1] : undefined;
  } catch {
    return undefined;
  }
}
