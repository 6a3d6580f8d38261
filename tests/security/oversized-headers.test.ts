import { connect } from 'node:net';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Security review, item 9 (headers): a 100 KB Authorization header got Node's bare 431 with no
 * body. A request Node cannot parse is now answered with the contract's JSON error body (keeping
 * Node's status), then the connection is closed.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => server.close());

/** Writes `request` on a fresh TCP connection and resolves with everything the server answered. */
function rawExchange(request: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer'));
    }, 3000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
    socket.write(request);
  });
}

function parse(answer: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) };
}

it('answers a 100 KB Authorization header with 431 and the JSON error body', async () => {
  const res = await fetch(`${server.url}/api/rooms`, {
    headers: { authorization: `Bearer ${'a'.repeat(100 * 1024)}` },
  });
  expect(res.status).toBe(431);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(await res.json()).toEqual({
    error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request headers are too large' },
  });
  // The server still answers.
  expect((await server.http('GET', '/healthz')).status).toBe(200);
});

it('answers a malformed HTTP request with 400 VALIDATION_ERROR and closes the connection', async () => {
  const answer = parse(await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
  expect(answer.status).toBe(400);
  expect(answer.headers).toContain('Connection: close');
  expect(answer.body).toEqual({ error: { code: 'VALIDATION_ERROR', message: 'Malformed HTTP request' } });
});
