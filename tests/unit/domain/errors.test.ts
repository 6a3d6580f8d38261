import { z } from 'zod';
import { ChatError } from '../../../shared/index';
import { toWireError } from '../../../server/domain/errors';

describe('toWireError', () => {
  it('maps each contract error code to its HTTP status', () => {
    const cases = [
      ['VALIDATION_ERROR', 400],
      ['UNAUTHORIZED', 401],
      ['FORBIDDEN', 403],
      ['NOT_FOUND', 404],
      ['CONFLICT', 409],
      ['PAYLOAD_TOO_LARGE', 413],
      ['RATE_LIMITED', 429],
      ['INTERNAL_ERROR', 500],
    ] as const;
    for (const [code, status] of cases) {
      const wire = toWireError(new ChatError(code, 'm'));
      expect([code, wire.status, wire.body, wire.unexpected]).toEqual([
        code,
        status,
        { code, message: 'm' },
        false,
      ]);
    }
  });

  it('turns a zod error into VALIDATION_ERROR naming each field and why', () => {
    const result = z.strictObject({ name: z.string().min(1), n: z.number() }).safeParse({ name: '', n: 'x' });
    if (result.success) throw new Error('expected failure');
    const wire = toWireError(result.error);
    expect(wire.status).toBe(400);
    expect(wire.body.code).toBe('VALIDATION_ERROR');
    expect(wire.body.message).toMatch(/name/);
    expect(wire.body.details?.map((d) => d.field)).toEqual(['name', 'n']);
    for (const d of wire.body.details ?? []) expect(d.reason).not.toBe('');
  });

  it('hides unexpected errors behind INTERNAL_ERROR', () => {
    const wire = toWireError(new Error('database password is hunter2'));
    expect(wire).toEqual({
      status: 500,
      body: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
      unexpected: true,
    });
  });
});
