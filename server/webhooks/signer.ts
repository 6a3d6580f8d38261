import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Random bytes in a generated secret: 256 bits, above the 24 bytes the format asks for. */
const GENERATED_SECRET_BYTES = 32;

/** A new signing secret in the Standard Webhooks format: `whsec_` and base64. */
export function generateSecret(): string {
  return `whsec_${randomBytes(GENERATED_SECRET_BYTES).toString('base64')}`;
}

/** The three headers of the Standard Webhooks specification, for one attempt. */
export interface SignatureHeaders {
  'webhook-id': string;
  /** Unix seconds of this attempt: receivers refuse old ones, so a captured request cannot be replayed. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
  'webhook-signature': string;
}

/**
 * Signs with the `standardwebhooks` package, the reference implementation receivers verify with,
 * so sender and receiver cannot disagree on the signed content or its encoding.
 */
export function signatureHeaders(secret: string, id: string, at: Date, body: string): SignatureHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
