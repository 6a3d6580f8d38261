import { z } from 'zod';
import { ERROR_HTTP_STATUS, errorBodySchema, type ErrorBody } from '../../../shared/errors';

/**
 * The contract's error shape, strictly: `{ code, message, details?, retry_after_ms? }` and nothing
 * else, a message that says something, and a code whose status is a 4xx (a client's fault, never
 * the server's).
 */
const strictErrorBody = z.strictObject({
  ...errorBodySchema.shape,
  message: z.string().regex(/\S/),
  details: z.array(z.strictObject({ field: z.string(), reason: z.string().regex(/\S/) })).optional(),
});

const errorAckSchema = z.strictObject({ ok: z.literal(false), error: strictErrorBody });
const okAckSchema = z.strictObject({ ok: z.literal(true), data: z.unknown() });
const httpErrorBodySchema = z.strictObject({ error: strictErrorBody });

/** Largest error answer accepted: its details name offending fields, and a reply must stay small. */
export const MAX_ERROR_BYTES = 128 * 1024;

function expectClientFault(error: ErrorBody, what: string): void {
  const status = ERROR_HTTP_STATUS[error.code];
  if (status < 400 || status > 499) {
    throw new Error(`${what}: answered ${error.code} (${status}), not a 4xx: ${JSON.stringify(error)}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(error));
  if (bytes > MAX_ERROR_BYTES) {
    throw new Error(`${what}: an error answer of ${bytes} bytes (${error.details?.length ?? 0} details)`);
  }
}

/** An error object (a `/ws` error frame's `error`) in the contract's shape with a 4xx code. */
export function expectErrorBody(error: unknown, what: string): ErrorBody {
  const parsed = strictErrorBody.safeParse(error);
  if (!parsed.success) throw new Error(`${what}: not an error in the contract's shape: ${preview(error)}`);
  expectClientFault(parsed.data, what);
  return parsed.data;
}

/** A refused ack: `{ ok: false, error }` in the contract's shape with a 4xx code. */
export function expectErrorAck(ack: unknown, what: string): ErrorBody {
  const parsed = errorAckSchema.safeParse(ack);
  if (!parsed.success) throw new Error(`${what}: not an error ack in the contract's shape: ${preview(ack)}`);
  expectClientFault(parsed.data.error, what);
  return parsed.data.error;
}

/**
 * Any ack: `{ ok: true, data }` whose data the event's ack schema accepts, or a refused one as
 * above. Answers whether it was refused.
 */
export function expectAck(ack: unknown, dataSchema: z.ZodType, what: string): { refused: boolean } {
  const ok = okAckSchema.safeParse(ack);
  if (ok.success) {
    const data = dataSchema.safeParse(ok.data.data);
    if (!data.success)
      throw new Error(`${what}: ok ack with data outside the contract: ${data.error.message}`);
    return { refused: false };
  }
  expectErrorAck(ack, what);
  return { refused: true };
}

/** An HTTP refusal: a 4xx status, `{ error }` in the contract's shape, its code matching the status. */
export function expectHttpError(status: number, body: unknown, what: string): ErrorBody {
  if (status < 400 || status > 499) throw new Error(`${what}: answered HTTP ${status}: ${preview(body)}`);
  const parsed = httpErrorBodySchema.safeParse(body);
  if (!parsed.success)
    throw new Error(`${what}: HTTP ${status} without the contract's error body: ${preview(body)}`);
  const { error } = parsed.data;
  expectClientFault(error, what);
  // Node answers 431 (headers) and 408 (timeouts) itself; everything else carries its code's status.
  if (status !== 431 && status !== 408 && ERROR_HTTP_STATUS[error.code] !== status) {
    throw new Error(`${what}: HTTP ${status} carrying ${error.code}`);
  }
  return error;
}

/** The start of a value, for failure messages that stay readable. */
export function preview(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
