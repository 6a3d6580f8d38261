import { DEFAULT_LIMITS, clientEvents, createPayloadSchemas, isEmoji } from '../../../shared';

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
