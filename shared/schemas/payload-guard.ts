import { ChatError } from '../errors';

/**
 * More fields than any payload, HTTP body or `/ws` frame of the contract has (the most is nine, in
 * `POST /api/messages`), with room to spare. An object with more has unknown keys anyway.
 */
export const MAX_PAYLOAD_FIELDS = 32;

/**
 * Refuses, before a schema looks at it, a payload whose checking would cost far more than it
 * weighs, with one VALIDATION_ERROR detail for the whole payload:
 *
 * - an object that is not plain JSON, such as a Socket.IO binary attachment: a schema enumerates
 *   a Buffer's every byte as an unknown key (a 400 KB attachment took seconds of the event loop
 *   and answered 17 MB, which cut the connection);
 * - an object with more than MAX_PAYLOAD_FIELDS keys: a schema reports each unknown key, so a
 *   megabyte of them took a second to check and answered several megabytes of details.
 *
 * Primitives, arrays and plain objects of a sensible size are left to the schema, which answers
 * them as before.
 */
export function refuseUnboundedPayload(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw refusal('must be a JSON object');
  }
  let fields = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    fields += 1;
    if (fields > MAX_PAYLOAD_FIELDS) throw refusal(`must have at most ${MAX_PAYLOAD_FIELDS} fields`);
  }
}

function refusal(reason: string): ChatError {
  return new ChatError('VALIDATION_ERROR', `Invalid payload: ${reason}`, [{ field: '', reason }]);
}
