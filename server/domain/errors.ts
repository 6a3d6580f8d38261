import { z } from 'zod';
import { ChatError, ERROR_HTTP_STATUS, type ErrorBody, type ErrorDetail } from '../../shared/errors';

export const notFound = (what: string, field?: string): ChatError =>
  new ChatError('NOT_FOUND', `${what} not found`, field ? [{ field, reason: 'not found' }] : undefined);

export const forbidden = (message: string): ChatError => new ChatError('FORBIDDEN', message);

/**
 * A payload the schema accepted but a rule refuses (opening a DM with oneself, a query without a
 * word): worded as the schema's own VALIDATION_ERRORs are, so clients read both alike.
 */
export const invalidField = (field: string, reason: string): ChatError =>
  new ChatError('VALIDATION_ERROR', `Invalid field "${field}": ${reason}`, [{ field, reason }]);

export const conflict = (message: string): ChatError => new ChatError('CONFLICT', message);

export interface WireError {
  status: number;
  body: ErrorBody;
  /** True for failures nobody anticipated: logged with their stack, answered INTERNAL_ERROR. */
  unexpected: boolean;
}

/** The one place where any thrown value becomes the contract's error (HTTP status and body / ack error). */
export function toWireError(err: unknown): WireError {
  if (err instanceof ChatError) {
    return { status: ERROR_HTTP_STATUS[err.code], body: err.toBody(), unexpected: false };
  }
  if (err instanceof z.ZodError) {
    const details: ErrorDetail[] = err.issues.flatMap((issue) => {
      const at = issue.path.map(String);
      // An unknown key is reported against the key itself, one detail per key.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...at, key].join('.'), reason: 'unknown field' }));
      }
      return [{ field: at.join('.'), reason: issue.message }];
    });
    const first = details[0];
    const message = first
      ? `Invalid ${first.field ? `field "${first.field}"` : 'payload'}: ${first.reason}`
      : 'Invalid payload';
    return {
      status: ERROR_HTTP_STATUS.VALIDATION_ERROR,
      body: { code: 'VALIDATION_ERROR', message, details },
      unexpected: false,
    };
  }
  return {
    status: ERROR_HTTP_STATUS.INTERNAL_ERROR,
    body: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
    unexpected: true,
  };
}
