import http from 'node:http';

/**
 * An HTTP client that sends what it is given as it is: any method, a path that is not normalized
 * (`..`, broken percent-encoding), any headers and body bytes, a chunked body. `fetch` would
 * refuse or rewrite much of that.
 */

export interface RawRequest {
  method: string;
  /** Sent as the request target verbatim (Node only refuses bytes outside 0x21-0xFF). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request to `base`; rejects when no complete answer arrives within `timeoutMs`. */
export function sendRaw(base: string, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string> = { ...req.headers };
    // Framed one way or the other: a body with neither (Node's client sends none for DELETE by
    // default) is, for the server, the start of a next request.
    if (body !== undefined && !req.chunked) headers['content-length'] = String(body.length);
    if (body !== undefined && req.chunked) headers['transfer-encoding'] = 'chunked';
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${req.method} ${req.path.slice(0, 200)}`));
    }, timeoutMs);
    const request = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
      },
    );
    // The server may answer (413, 401) and close before the whole body is written: the answer
    // still arrives, so a failed write alone is not a failure.
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body !== undefined) request.write(body);
    request.end();
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Closes the kept-alive connections (after the server closed, so nothing hangs). */
export function closeRawClients(): void {
  agent.destroy();
}
