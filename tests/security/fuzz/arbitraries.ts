import fc from 'fast-check';
import type { z } from 'zod';
import { MUTE_MAX_MS, MUTE_MIN_MS, SEARCH_QUERY_MAX, type Limits } from '../../../shared/limits';
import { encodeSearchCursor } from '../../../shared/schemas/page-cursor';

/**
 * Generators of what a hostile or broken client may send: any JSON, with odd keys and odd Unicode,
 * deep or huge, and payloads built from the contract's own field lists, plausible (some of them
 * valid) or guaranteed invalid. Nothing here knows a transport: the test files send the values.
 */

/** A JSON-ish value as the tests hold it before sending; Buffers only travel over Socket.IO. */
export type Payload = unknown;

/** UTF-16 halves without their other half: not characters; the contract refuses them. */
export const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'] as const;

/** Pieces that have broken text handling somewhere: controls, invisibles, bidi, combining, emoji. */
const ODD_PIECES = [
  '\u0000',
  '\u0001',
  '\u001F',
  '\u007F',
  '\u0085',
  '\u00A0',
  '\u00AD',
  '\u034F',
  '\u061C',
  '\u115F',
  '\u180E',
  '\u200B',
  '\u200D',
  '\u200E',
  '\u202E',
  '\u2028',
  '\u2029',
  '\u2066',
  '\u3000',
  '\uFEFF',
  '\uFFFD',
  '\uFFFE',
  '\uFFFF',
  '\u{1D11E}',
  '\u{10FFFF}',
  '\u{E0001}',
  '\u{E007F}',
  'e\u0301',
  '\u0301',
  'Z\u0351\u0353\u0354\u0355',
  '\uFDFA',
  'ß',
  'İ',
  'ﬃ',
  '👍',
  '👍🏽',
  '👩‍👩‍👧‍👦',
  '🇫🇷',
  '🇫',
  '1️⃣',
  '#️⃣',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'",
  '`',
  '%',
  '%00',
  '%2F',
  '%E0%A4%A',
  '../',
  '..\\',
  '<script>',
  '${x}',
  '{{x}}',
  ':smile:',
  ':',
  'https://example.com/a.png',
  'javascript:alert(1)',
  '\u00C3\u00A9',
];

/** Keys that trip prototype handling, look like fields, or are not keys at all. */
const ODD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupGetter__',
  'then',
  'toJSON',
  'length',
  '',
  ' ',
  '0',
  '-1',
  '1e3',
  '$where',
  '$gt',
  'a.b',
  'a[b]',
  '[]',
  '\u0000',
  '\uD800',
  'type',
  'request_id',
  'room_id ',
  'Room_Id',
  'ROOM_ID',
  'data',
  'ok',
  'error',
  'user_id',
  'username',
  'creator_id',
];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_PIECES, ...LONE_SURROGATES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 3 }) },
);

/** Short strings of any kind: any code point, graphemes, odd pieces and lone surrogates glued together. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
  fc.constantFrom(
    '',
    ' ',
    '\t\n ',
    '__proto__',
    'constructor',
    'null',
    'true',
    '0',
    '-1',
    'NaN',
    '[object Object]',
  ),
);

/** Keys: the odd ones above, or any short string. */
export const oddKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...ODD_KEYS), oddString);

/** Numbers JSON can carry, with the edges that break integer handling. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    0.5,
    -0.5,
    1e21,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    -1e308,
    5e-324,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf: fc.Arbitrary<Payload> = fc.oneof(fc.constant(null), fc.boolean(), oddNumber, oddString);

/** An object with exactly these own, enumerable entries (`__proto__` included, as JSON.parse makes it). */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Objects that pass for strings or arrays to code that only looks at `length` or converts them:
 * a `length` that cannot be compared (it found a TypeError in zod's length checks, answered 500),
 * huge or negative lengths, array-likes, a Buffer's JSON form, no usable `toString`.
 */
const LOOKALIKES: readonly string[] = [
  '{"length":{"toString":""}}',
  '{"length":{"toString":"","valueOf":""}}',
  '{"length":{"valueOf":{}}}',
  '{"length":1e9}',
  '{"length":-1}',
  '{"length":"4001"}',
  '{"length":null}',
  '{"0":"a","length":1}',
  '{"toString":"","valueOf":""}',
  '{"type":"Buffer","data":[104,105]}',
  '{"__proto__":{"length":5000}}',
  '{"constructor":{"prototype":{"length":1}}}',
];
export const lookalike: fc.Arbitrary<Payload> = fc
  .constantFrom(...LOOKALIKES)
  .map((json) => JSON.parse(json) as Payload);

/** Any JSON value of small size: nulls, booleans, odd numbers and strings, arrays, objects with odd keys. */
export const jsonValue: fc.Arbitrary<Payload> = fc.letrec<{
  value: Payload;
  array: Payload;
  object: Payload;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    lookalike,
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.array(fc.tuple(oddKey, tie('value')), { maxLength: 5 }).map(objectOf),
})).value;

/** Arrays or objects nested hundreds to thousands deep. */
export const deepValue: fc.Arbitrary<Payload> = fc
  .tuple(fc.integer({ min: 100, max: 1000 }), fc.constantFrom('array', 'object'), leaf)
  .map(([depth, kind, inner]) => {
    let value: Payload = inner;
    for (let i = 0; i < depth; i += 1) value = kind === 'array' ? [value] : objectOf([['a', value]]);
    return value;
  });

/** JSON bytes one character of `ch` costs once escaped and UTF-8 encoded. */
const jsonBytesPer = (ch: string): number => Buffer.byteLength(JSON.stringify(ch)) - 2;

/**
 * A long string of one repeated piece, `length` UTF-16 units long unless that would exceed
 * `maxBytes` of JSON: long but well-formed, long with lone surrogates or NUL, long whitespace.
 */
export function longString(lengths: readonly number[], maxBytes: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...lengths),
      fc.constantFrom('x', ' ', 'é', '👍', '\uD800', 'x\u0000', ' x', '\u200B', 'ab\uDFFF'),
    )
    .map(([length, unit]) => {
      const fits = Math.floor(maxBytes / jsonBytesPer(unit)) * unit.length;
      const n = Math.min(length, fits);
      return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
    });
}

/** A long array of one small element, fitting `maxBytes` of JSON: over a list's limit, or far over it. */
export function longArray(lengths: readonly number[], maxBytes: number): fc.Arbitrary<Payload[]> {
  return fc
    .tuple(fc.constantFrom(...lengths), fc.constantFrom<Payload>(1, 'x', null, true, 'user-1', '', [], {}))
    .map(([length, item]) => {
      const each = Buffer.byteLength(JSON.stringify(item)) + 1;
      return new Array<Payload>(Math.min(length, Math.floor(maxBytes / each))).fill(item);
    });
}

/** Binary attachments for Socket.IO: small random bytes, or a large block under the packet limit. */
export const binary: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.integer({ min: 1000, max: 400_000 }).map((n) => Buffer.alloc(n, 0x61)),
);

/** What JSON makes of a value on the way (Buffers aside): dropped `undefined`s, NaN and ±Infinity as null, -0 as 0. */
export function wireForm(value: Payload): Payload {
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : wireForm(v)));
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null;
  if (typeof value === 'object' && value !== null) {
    return objectOf(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, wireForm(v)]),
    );
  }
  return value;
}

/** JSON bytes of a value, Buffers counted as their length (Socket.IO sends them as attachments). */
export function wireBytes(value: Payload): number {
  let attached = 0;
  const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'object' && v !== null && 'type' in v && v.type === 'Buffer' && 'data' in v) {
      attached += Array.isArray(v.data) ? v.data.length : 0;
      return 0;
    }
    return v;
  });
  return Buffer.byteLength(json ?? '') + attached;
}

/**
 * Whether the contract refuses a value (in its wire form): what the server checks it with. Two
 * certainties are answered without running the schema, which would take seconds on them: an
 * object schema refuses a Buffer, and (being strict) any object with more keys than it has fields.
 */
export function refusedBy(schema: z.ZodType, value: Payload): boolean {
  const fields = fieldsOf(schema).all.length;
  if (fields > 0 && Buffer.isBuffer(value)) return true;
  if (fields > 0 && typeof value === 'object' && value !== null && Object.keys(value).length > fields)
    return true;
  return !schema.safeParse(value).success;
}

/** Ids a property can aim at: the actor's own, other people's, private and deleted ones. */
export interface World {
  roomIds: readonly string[];
  messageIds: readonly string[];
  userIds: readonly string[];
}

/** Ids in the stored-object format (nanoid characters), almost surely naming nothing stored. */
export const idLike: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

function fromPool(pool: readonly string[], odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: idLike },
    { weight: 1, arbitrary: odd },
  );
}

/** Text for a field of `max` characters: short, around the limit, blank, odd, or a URL. */
function textAround(max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('hi', 'general', '  padded  ', 'https://example.com/cat.png') },
    { weight: 3, arbitrary: oddString },
    { weight: 1, arbitrary: longString([max - 1, max, max + 1], 100_000) },
    { weight: 1, arbitrary: jsonValue },
  );
}

/** A list of user ids: short, real or made up, sometimes with an invalid entry or over the limit. */
function userList(userIds: readonly string[], max: number): fc.Arbitrary<unknown> {
  const userId = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...userIds) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,64}$/) },
    { weight: 1, arbitrary: jsonValue },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(userId, { maxLength: 4 }) },
    { weight: 1, arbitrary: longArray([max + 1], 200_000) },
    { weight: 1, arbitrary: jsonValue },
  );
}

const smallInt = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -1, max: max + 1 }) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: oddNumber },
    { weight: 1, arbitrary: jsonValue },
  );

/**
 * Plausible values for every field name of the contract's client payloads and HTTP bodies: most of
 * them valid, aimed at the world's objects, the rest wrong in all the ways above. A payload field
 * missing from this table fails `fieldsCovered`, so a new field cannot go unfuzzed.
 */
export function plausibleFields(world: World, limits: Limits): Record<string, fc.Arbitrary<unknown>> {
  const rooms = fromPool(world.roomIds, jsonValue);
  const messages = fromPool(world.messageIds, jsonValue);
  const users = fromPool(world.userIds, jsonValue);
  const nullable = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: arb });
  const bool = fc.oneof({ weight: 5, arbitrary: fc.boolean() }, { weight: 1, arbitrary: jsonValue });
  return {
    room_id: rooms,
    message_id: messages,
    parent_id: nullable(messages),
    content: textAround(limits.contentMax),
    name: textAround(limits.roomNameMax),
    description: nullable(textAround(limits.descriptionMax)),
    is_private: bool,
    invited_users: userList(world.userIds, limits.invitedUsersMax),
    user_ids: userList(world.userIds, limits.invitedUsersMax),
    limit: smallInt(limits.roomListMax),
    // A page cursor (room, invite and mention lists) or a search one, each valid for the other's
    // event only, and search cursors at and past the depth limit.
    cursor: nullable(
      fc.oneof(
        oddString,
        idLike,
        fc.constant('WyIyMDI0LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJhYmMiXQ'),
        fc.constantFrom(encodeSearchCursor(1), encodeSearchCursor(20), encodeSearchCursor(500)),
        fc.constantFrom(encodeSearchCursor(0), encodeSearchCursor(501), encodeSearchCursor(-1)),
      ),
    ),
    seq: smallInt(60),
    before_seq: smallInt(60),
    after_seq: smallInt(60),
    after_version: smallInt(60),
    message_type: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('text', 'image', 'file') },
      { weight: 1, arbitrary: oddString },
    ),
    client_id: nullable(textAround(limits.clientIdMax)),
    is_typing: bool,
    emoji: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('👍', ':smile:', '🇫🇷', '👩‍👩‍👧‍👦', ':+1:', '1️⃣') },
      { weight: 2, arbitrary: oddString },
      { weight: 1, arbitrary: longString([limits.emojiMax, limits.emojiMax + 1], 10_000) },
    ),
    // Search: words found in the world, no word at all, around the length limit, odd text.
    q: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom('own', 'message', 'hidden outside', 'drifter’s', 'Own MESSAGE!'),
      },
      { weight: 1, arbitrary: fc.constantFrom('!!!', '   ', '@', '…', '"a" OR b*', 'NEAR(a b)', '-own') },
      { weight: 2, arbitrary: oddString },
      { weight: 1, arbitrary: longString([SEARCH_QUERY_MAX, SEARCH_QUERY_MAX + 1], 10_000) },
      { weight: 1, arbitrary: jsonValue },
    ),
    // Moderation: the roles the owner gives, the one never given, durations around the bounds.
    role: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('moderator', 'member', 'owner') },
      { weight: 1, arbitrary: oddString },
    ),
    duration_ms: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(MUTE_MIN_MS, 60_000, MUTE_MAX_MS, MUTE_MIN_MS - 1, MUTE_MAX_MS + 1, 0, -1),
      },
      { weight: 1, arbitrary: oddNumber },
      { weight: 1, arbitrary: jsonValue },
    ),
    // The seed's identity fields (HTTP bodies and /ws frames); the other party of dm:open and the
    // target of moderation.
    user_id: users,
    username: textAround(64),
    creator_id: users,
    // /ws frames.
    type: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('ping', 'typing', 'message') },
      { weight: 1, arbitrary: oddString },
    ),
    request_id: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('r-1', 'abc') },
      { weight: 1, arbitrary: textAround(64) },
    ),
    // Webhooks: URLs on this machine or refused without a lookup (no name to resolve).
    url: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'http://127.0.0.1:9/hook',
          'http://10.0.0.1/hook',
          'http://[::1]/hook',
          'http://169.254.169.254/latest',
          'ftp://127.0.0.1/hook',
          'not a url',
        ),
      },
      { weight: 1, arbitrary: oddString },
      { weight: 1, arbitrary: longString([2047, 2049], 10_000) },
    ),
    events: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(['message.new'], ['member.joined', 'message.deleted'], [], ['nope']),
      },
      { weight: 1, arbitrary: jsonValue },
    ),
    secret: fc.oneof(
      { weight: 2, arbitrary: fc.constant(`whsec_${Buffer.alloc(24, 7).toString('base64')}`) },
      { weight: 1, arbitrary: oddString },
    ),
    active: bool,
  };
}

/** The field names of an object schema (zod `strictObject`, refined or not). */
export function fieldsOf(schema: z.ZodType): { all: string[]; required: string[] } {
  const shape: unknown = Reflect.get(schema, 'shape');
  if (typeof shape !== 'object' || shape === null) return { all: [], required: [] };
  const entries = Object.entries(shape) as [string, z.ZodType][];
  return {
    all: entries.map(([key]) => key),
    required: entries.filter(([, field]) => !field.safeParse(undefined).success).map(([key]) => key),
  };
}

/**
 * Payloads an object schema's fields suggest: usually every required field and some optional ones,
 * sometimes any subset, values from `fields`. Some are valid; none is guaranteed to be.
 */
export function plausiblePayload(
  schema: z.ZodType,
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const { all, required } = fieldsOf(schema);
  const model = Object.fromEntries(all.map((key) => [key, fieldArbitrary(fields, key)]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record(model, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
  );
}

function fieldArbitrary(fields: Record<string, fc.Arbitrary<unknown>>, key: string): fc.Arbitrary<unknown> {
  const arb = fields[key];
  if (!arb) throw new Error(`no fuzz values for the field "${key}": add it to plausibleFields`);
  return arb;
}

/** The field names of `schemas` that `fields` has no generator for (an empty list is the goal). */
export function fieldsMissing(schemas: readonly z.ZodType[], fields: Record<string, unknown>): string[] {
  const names = new Set(schemas.flatMap((s) => fieldsOf(s).all));
  return [...names].filter((name) => !(name in fields)).sort();
}

/** Options for `invalidPayloads`. */
export interface InvalidOptions {
  /** Largest JSON (plus attachments) a case may weigh. */
  maxBytes: number;
  /** Whether Buffers may appear (Socket.IO only). */
  binary: boolean;
  /** String and list lengths around and far over the documented limits. */
  longLengths: readonly number[];
}

/**
 * Payloads `schema` refuses, by construction and then checked: not an object, an unknown key, a
 * required field missing, a field of the wrong type or over its limit, huge, deep or binary.
 * Every value is filtered through the contract's schema in its wire form, so a case that
 * happens to be valid never reaches the "refused" properties.
 */
export function invalidPayloads(
  schema: z.ZodType,
  plausible: fc.Arbitrary<Record<string, unknown>>,
  options: InvalidOptions,
): fc.Arbitrary<Payload> {
  const { all, required } = fieldsOf(schema);
  const known = new Set(all);
  const long = fc.oneof(
    longString(options.longLengths, options.maxBytes),
    longArray(options.longLengths, options.maxBytes),
  );
  const anyValue = fc.oneof(
    { weight: 6, arbitrary: jsonValue },
    { weight: 1, arbitrary: long },
    { weight: 1, arbitrary: deepValue },
    ...(options.binary ? [{ weight: 1, arbitrary: binary as fc.Arbitrary<Payload> }] : []),
  );
  const unknownKey = oddKey.filter((key) => !known.has(key));
  const mutations: fc.Arbitrary<Payload>[] = [
    // Not an object at all.
    fc.oneof(leaf, fc.array(jsonValue, { maxLength: 4 }), deepValue, long),
    // Unknown keys next to valid-looking fields.
    fc
      .tuple(plausible, fc.array(fc.tuple(unknownKey, anyValue), { minLength: 1, maxLength: 3 }))
      .map(([base, extra]) => objectOf([...Object.entries(base), ...extra])),
    // One field replaced by anything (its wrong types, huge or deep values, binary).
    ...(all.length > 0
      ? [
          fc
            .tuple(plausible, fc.constantFrom(...all), anyValue)
            .map(([base, key, value]) =>
              objectOf([...Object.entries(base).filter(([k]) => k !== key), [key, value]]),
            ),
        ]
      : []),
    // A required field missing.
    ...(required.length > 0
      ? [
          fc
            .tuple(plausible, fc.constantFrom(...required))
            .map(([base, key]) => objectOf(Object.entries(base).filter(([k]) => k !== key))),
        ]
      : []),
    // Many unknown keys at once (each is reported: the answer must stay bounded).
    fc
      .oneof(fc.integer({ min: 30, max: 40 }), fc.integer({ min: 1000, max: 20_000 }))
      .map((n) => objectOf(Array.from({ length: n }, (_, i) => [`k${i}`, 0] as const))),
  ];
  if (options.binary) mutations.push(binary);
  return fc
    .oneof(...mutations)
    .map(wireForm)
    .filter((value) => wireBytes(value) <= options.maxBytes && refusedBy(schema, value));
}

/** A generated value that fast-check reports by its start only: a megabyte counterexample helps nobody. */
export class Shown<T> {
  constructor(readonly value: T) {}

  [fc.toStringMethod](): string {
    return previewOf(this.value);
  }
}

/** The arbitrary's values wrapped so that failure reports stay readable (shrinking is kept). */
export const shown = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Shown<T>> =>
  arb.map((value) => new Shown(value));

function previewOf(value: unknown, max = 400): string {
  let text: string;
  try {
    text = Buffer.isBuffer(value)
      ? `<Buffer of ${value.length} bytes>`
      : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
