import * as z from 'zod';
import { DISPLAY_NAME_MAX, SHORT_CODE_PATTERN, USER_ID_PATTERN } from '../limits';

export const userIdSchema = z
  .string()
  .regex(USER_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . : @ -');

/** A UTF-16 surrogate that is not half of a pair: not a character, and not encodable as UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `value` is well-formed Unicode (no lone surrogate). */
export const isWellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);

/**
 * A string of user text. It must be well-formed Unicode: a lone surrogate would pass the length
 * limits as one character and come back as U+FFFD (three bytes) from storage and the wire, and two
 * different strings could read back identical. U+0000 is refused too: PostgreSQL cannot store it,
 * and no chat text needs it, so every store gets the same answer (VALIDATION_ERROR).
 */
export const textSchema = (): z.ZodString =>
  z
    .string()
    .refine(isWellFormed, 'must be well-formed Unicode (no lone surrogate)')
    .refine((value) => !value.includes('\u0000'), 'must not contain the NUL character (U+0000)');

/** What zod hands a check: the value being parsed. */
interface CheckedValue {
  value: unknown;
}

/**
 * Options for zod's `.min` / `.max` that run them on strings only. Zod runs length checks on any
 * value that has a `length`, even one that failed its type check, and a JSON object such as
 * `{"length": {"toString": ""}}` made the comparison throw a TypeError, which no schema reports:
 * the service answered 500 INTERNAL_ERROR instead of VALIDATION_ERROR.
 */
export const onStrings = (error?: string) => ({
  when: (payload: CheckedValue): boolean => typeof payload.value === 'string',
  ...(error === undefined ? {} : { error }),
});

/** As `onStrings`, for `.min` / `.max` on arrays. */
export const onArrays = (error?: string) => ({
  when: (payload: CheckedValue): boolean => Array.isArray(payload.value),
  ...(error === undefined ? {} : { error }),
});

/** Code points of a string: a surrogate pair counts once, anything else as one. */
function codePoints(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i += 1) {
    const high = value.charCodeAt(i);
    const low = value.charCodeAt(i + 1);
    if (high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      count -= 1;
      i += 1;
    }
  }
  return count;
}

/**
 * `schema` bounded to `max` characters counted as JavaScript counts them (UTF-16 code units), as
 * every limit is documented. Zod's `.max` counts code points, so text outside the BMP (emoji)
 * passed it at up to twice the limit: zod's bound stays (the API documents show it, and it answers
 * most overlong text) and a refinement refuses what only the code-unit count exceeds.
 */
export function maxChars(schema: z.ZodString, max: number): z.ZodString {
  return schema
    .max(max, onStrings())
    .refine(
      (value) => value.length <= max || codePoints(value) > max,
      `Too big: expected string to have <=${max} characters`,
    );
}

export const displayNameSchema = maxChars(textSchema().trim().min(1, onStrings()), DISPLAY_NAME_MAX);

/** Room and message ids are nanoids; anything else can never name a stored object. */
export const entityIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id of 1-64 characters of A-Z a-z 0-9 _ -');

export const seqSchema = z.number().int().nonnegative();
export const timestampSchema = z.iso.datetime();

/** An absolute http(s) URL: the content of `image` and `file` messages. */
export const httpUrlSchema = z.url({ protocol: /^https?$/ });
export const isHttpUrl = (value: string): boolean => httpUrlSchema.safeParse(value).success;

export const messageTypeSchema = z.enum(['text', 'image', 'file']);
export type MessageType = z.infer<typeof messageTypeSchema>;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Pictographs, flags (regional indicator pairs) and keycaps: what renders as one emoji. */
const EMOJI_CODE_POINT = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/** True for exactly one emoji grapheme (ZWJ sequences, skin tones and flags included) or a `:short_code:`. */
export function isEmoji(value: string): boolean {
  if (SHORT_CODE_PATTERN.test(value)) return true;
  let count = 0;
  for (const _ of graphemes.segment(value)) {
    count += 1;
    if (count > 1) return false;
  }
  return count === 1 && EMOJI_CODE_POINT.test(value);
}

export function emojiSchema(maxLength: number) {
  return maxChars(textSchema().min(1, onStrings()), maxLength).refine(
    isEmoji,
    'must be one emoji or a :short_code:',
  );
}
