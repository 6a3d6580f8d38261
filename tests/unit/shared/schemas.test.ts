import { DEFAULT_LIMITS, clientEvents, createPayloadSchemas, isEmoji } from '../../../shared/index';

describe('emoji rule', () => {
  it.each(['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '1️⃣', ':party_parrot:', ':+1:'])('accepts %s', (emoji) => {
    expect(isEmoji(emoji)).toBe(true);
  });

  it.each(['abc', '👍👍', 'a', '', ':Party:', '::', `:${'a'.repeat(31)}:`, ' 👍', '1'])(
    'refuses %p',
    (value) => {
      expect(isEmoji(value)).toBe(false);
    },
  );
});

describe('message:send payload', () => {
  const schema = clientEvents['message:send'].payload;

  it('trims content, defaults message_type to text and refuses unknown keys', () => {
    expect(schema.parse({ room_id: 'r1', content: '  hi  ' })).toEqual({
      room_id: 'r1',
      content: 'hi',
      message_type: 'text',
    });
    expect(schema.safeParse({ room_id: 'r1', content: 'hi', extra: 1 }).success).toBe(false);
  });

  it('counts the content limit after trimming', () => {
    const max = DEFAULT_LIMITS.contentMax;
    expect(schema.safeParse({ room_id: 'r1', content: ` ${'x'.repeat(max)} ` }).success).toBe(true);
    expect(schema.safeParse({ room_id: 'r1', content: 'x'.repeat(max + 1) }).success).toBe(false);
    expect(schema.safeParse({ room_id: 'r1', content: ' \n\t ' }).success).toBe(false);
  });

  it('needs an http(s) URL for image and file messages', () => {
    const ok = schema.safeParse({ room_id: 'r1', content: 'https://x.test/a.png', message_type: 'image' });
    expect(ok.success).toBe(true);
    for (const content of ['not a url', 'ftp://x.test/a', 'javascript:alert(1)']) {
      const res = schema.safeParse({ room_id: 'r1', content, message_type: 'file' });
      expect(res.success).toBe(false);
      expect(res.error?.issues[0]?.path).toEqual(['content']);
    }
  });

  it('follows configured limits', () => {
    const strict = createPayloadSchemas({ ...DEFAULT_LIMITS, contentMax: 5 }).messageSend;
    expect(strict.safeParse({ room_id: 'r1', content: '123456' }).success).toBe(false);
    expect(strict.safeParse({ room_id: 'r1', content: '12345' }).success).toBe(true);
  });
});

describe('HTTP history query', () => {
  const schema = createPayloadSchemas(DEFAULT_LIMITS).historyQuery;

  it('turns digit strings into numbers and refuses anything else', () => {
    expect(schema.parse({ before_seq: '10', limit: '5' })).toEqual({ before_seq: 10, limit: 5 });
    for (const limit of ['', 'abc', '-1', '1.5', '1e2', '0', '101']) {
      expect(schema.safeParse({ limit }).success).toBe(false);
    }
  });
});

describe('user text refuses U+0000 (PostgreSQL cannot store it), naming the field', () => {
  const p = createPayloadSchemas(DEFAULT_LIMITS);

  it.each<
    [
      string,
      { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } },
      object,
      string,
    ]
  >([
    ['content', p.messageSend, { room_id: 'r1', content: 'a\u0000b' }, 'content'],
    ['client_id', p.messageSend, { room_id: 'r1', content: 'ok', client_id: 'c\u0000' }, 'client_id'],
    ['room name', p.roomCreate, { name: 'gen\u0000eral' }, 'name'],
    ['description', p.roomCreate, { name: 'general', description: '\u0000' }, 'description'],
    ['edited content', p.messageEdit, { message_id: 'm1', content: '\u0000x' }, 'content'],
  ])('%s', (_what, schema, payload, field) => {
    const result = schema.safeParse(payload);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('still accepts tabs and line breaks', () => {
    expect(p.messageSend.safeParse({ room_id: 'r1', content: 'tab\there, line\nbreak' }).success).toBe(true);
  });
});
