import type { HttpError } from '../../shared/errors';
import type { HttpResult } from './server';

/** The contract's error body for a refused field: `{ code, message, details: [{ field, reason }, ...] }`. */
export function validationError(field: string): unknown {
  return {
    code: 'VALIDATION_ERROR',
    message: expect.stringMatching(/\S/),
    details: expect.arrayContaining([{ field, reason: expect.stringMatching(/\S/) }]),
  };
}

/** The HTTP error answer as `[status, code]`, so a mismatch shows both. */
export function httpError(res: HttpResult<unknown>): [number, string | undefined] {
  const body = res.body as Partial<HttpError> | undefined;
  return [res.status, body?.error?.code];
}
