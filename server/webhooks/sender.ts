import http from 'node:http';
import https from 'node:https';
import { SERVICE_NAME, SERVICE_VERSION } from '../version';
import { signatureHeaders } from './signer';
import { UrlRefusedError, type UrlGuard } from './url-guard';

/** What is read of a receiver's answer body before the connection is cut: its status is what counts. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** last_error is shown in the delivery log; a library's message is cut to this length. */
const MAX_ERROR_LENGTH = 300;

/** One POST of a delivery. */
export interface SendRequest {
  url: string;
  secret: string;
  /** The delivery's id: the `webhook-id` header, the same on every attempt. */
  id: string;
  /** The JSON body, exactly as stored. */
  body: string;
  /** When this attempt is made: the signed `webhook-timestamp`. */
  at: Date;
}

/** An attempt's outcome: `ok` for a 2xx answer. */
export interface SendResult {
  ok: boolean;
  /** The receiver's status; null when none came (refused, unreachable, timed out). */
  status: number | null;
  error: string | null;
  /** True when it was cut short by `signal` (the server stopping): not an attempt to record. */
  aborted?: boolean;
}

/**
 * Posts one delivery: `content-type: application/json` and the three Standard Webhooks headers,
 * one attempt within `timeoutMs` (connecting, sending, reading the status), on a connection of its
 * own (so the address check runs at every connection), no redirect followed (a 3xx is a failed
 * attempt), the answer's body read up to MAX_RESPONSE_BYTES and dropped. Never rejects.
 */
export class WebhookSender {
  private readonly userAgent = `${SERVICE_NAME}-webhooks/${SERVICE_VERSION}`;

  constructor(
    private readonly guard: UrlGuard,
    private readonly timeoutMs: number,
  ) {}

  send(request: SendRequest, signal?: AbortSignal): Promise<SendResult> {
    let url: URL;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return Promise.resolve(failure('only http:// and https:// URLs can be webhooks'));
      }
      this.guard.checkLiteral(url);
    } catch (err) {
      return Promise.resolve(failure(err instanceof UrlRefusedError ? err.message : 'not a valid URL'));
    }
    const body = Buffer.from(request.body, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': this.userAgent,
      ...signatureHeaders(request.secret, request.id, request.at, request.body),
    };
    const transport = url.protocol === 'https:' ? https : http;

    return new Promise((resolve) => {
      let status: number | null = null;
      let settled = false;
      const finish = (result: SendResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(result);
      };
      const req = transport.request(
        url,
        // agent: false: a connection of its own, closed after the answer (no pool to reuse an
        // address resolved earlier).
        { method: 'POST', headers, agent: false, lookup: this.guard.lookup, signal },
        (res) => {
          status = res.statusCode ?? 0;
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) finish(answered(status ?? 0));
          });
          res.on('end', () => finish(answered(status ?? 0)));
          // The status came: whatever happens to the rest of the body does not change the outcome.
          res.on('error', () => finish(answered(status ?? 0)));
        },
      );
      const timer = setTimeout(() => {
        // A receiver that answered its status and then stalls has still answered.
        if (status !== null) finish(answered(status));
        else finish(failure(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('error', (err) => {
        if (signal?.aborted) finish({ ...failure('the server stopped during the attempt'), aborted: true });
        else if (status !== null) finish(answered(status));
        else finish(failure(describeError(err)));
      });
      req.end(body);
    });
  }
}

function answered(status: number): SendResult {
  if (status >= 200 && status < 300) return { ok: true, status, error: null };
  const note = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
  return { ok: false, status, error: `HTTP ${status}${note}` };
}

function failure(error: string): SendResult {
  return { ok: false, status: null, error };
}

function describeError(err: Error): string {
  if (err instanceof UrlRefusedError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  const message = code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
}
