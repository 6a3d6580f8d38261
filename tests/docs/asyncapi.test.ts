import { Parser, type AsyncAPIDocumentInterface, type MessageInterface } from '@asyncapi/parser';
import { z } from 'zod';
import { errorBodySchema } from '../../shared/errors';
import { clientEvents, serverEvents, type ClientEventName, type ServerEventName } from '../../shared/events';
import { buildAsyncApiDocument } from '../../server/docs/asyncapi-document';
import { expectCheckedInCurrent, readProjectFile } from './doc-files';

const document = buildAsyncApiDocument();
const clientNames = Object.keys(clientEvents) as ClientEventName[];
const serverNames = Object.keys(serverEvents) as ServerEventName[];

// The parser's severities (Spectral's): 0 error, 1 warning, 2 information, 3 hint.
const ERROR = 0;
const WARNING = 1;

let parsed: AsyncAPIDocumentInterface;
let diagnostics: { severity: number; code: string | number; message: string }[];

beforeAll(async () => {
  const result = await new Parser().parse(await readProjectFile('asyncapi.yaml'));
  diagnostics = result.diagnostics;
  if (!result.document) throw new Error(`asyncapi.yaml does not parse: ${JSON.stringify(diagnostics)}`);
  parsed = result.document;
}, 60_000);

function onlyMessage(messages: MessageInterface[], what: string): MessageInterface {
  expect({ what, count: messages.length }).toEqual({ what, count: 1 });
  const [message] = messages;
  if (!message) throw new Error(`${what} has no message`);
  return message;
}

function examplePayload(message: MessageInterface): unknown {
  const [example] = message.examples().all();
  return example?.payload();
}

describe('asyncapi.yaml', () => {
  test('is what `npm run docs` generates from the zod schemas', async () => {
    await expectCheckedInCurrent('asyncapi.yaml', document);
  });

  test('is a valid AsyncAPI 3.0 document: @asyncapi/parser reports no error and no warning', () => {
    expect(parsed.version()).toBe('3.0.0');
    const problems = diagnostics.filter((d) => d.severity === ERROR || d.severity === WARNING);
    expect(problems.map(({ code, message }) => ({ code, message }))).toEqual([]);
  });

  test('documents each client event with its payload and its ack as the reply', () => {
    const received = parsed
      .operations()
      .all()
      .filter((operation) => operation.isReceive());
    const documented = received.map((operation) =>
      onlyMessage(operation.messages().all(), operation.id() ?? 'an operation').name(),
    );
    expect(documented.sort()).toEqual([...clientNames].sort());

    for (const operation of received) {
      const event = z.enum(clientNames).parse(operation.messages().all()[0]?.name());
      const message = onlyMessage(operation.messages().all(), event);
      expect({ event, channel: operation.channels().all()[0]?.address() }).toEqual({
        event,
        channel: '/chat',
      });
      expect({ event, payload: message.payload()?.type() }).toEqual({ event, payload: 'object' });
      expect(clientEvents[event].payload.safeParse(examplePayload(message)).success).toBe(true);

      const reply = operation.reply();
      if (!reply) throw new Error(`${event} has no reply`);
      const ack = onlyMessage(reply.messages().all(), `${event} ack`);
      // The envelope: one branch with ok: true and the data, one with ok: false and the error.
      const branches = ack.payload()?.anyOf() ?? [];
      const okValues = branches.map((branch) => branch.properties()?.ok?.const());
      expect({ event, okValues }).toEqual({ event, okValues: [true, false] });
      const error = branches[1]?.properties()?.error?.properties();
      expect({ event, error: Object.keys(error ?? {}) }).toEqual({
        event,
        error: ['code', 'message', 'details', 'retry_after_ms'],
      });
      const okExample = z.object({ ok: z.literal(true), data: z.unknown() }).parse(examplePayload(ack));
      expect(clientEvents[event].ack.safeParse(okExample.data).success).toBe(true);
      const refused = ack.examples().all()[1]?.payload();
      expect(
        z.strictObject({ ok: z.literal(false), error: errorBodySchema }).safeParse(refused).success,
      ).toBe(true);
    }
  });

  test('documents each server event with its payload and who receives it', () => {
    const sent = parsed
      .operations()
      .all()
      .filter((operation) => operation.isSend());
    const documented = sent.map((operation) =>
      onlyMessage(operation.messages().all(), operation.id() ?? 'an operation').name(),
    );
    expect(documented.sort()).toEqual([...serverNames].sort());

    for (const operation of sent) {
      const event = z.enum(serverNames).parse(operation.messages().all()[0]?.name());
      const message = onlyMessage(operation.messages().all(), event);
      expect({ event, description: operation.description() }).toEqual({
        event,
        // A room's channel, or a user's own (`user:<id>`, for what is said to one user).
        description: expect.stringMatching(/^Sent to: (.*the room|every room|.*`user:<id>`)/),
      });
      expect({ event, payload: message.payload()?.type() }).toEqual({ event, payload: 'object' });
      expect(serverEvents[event].safeParse(examplePayload(message)).success).toBe(true);
    }
  });

  test('says how to authenticate: a bearer JWT in the handshake’s auth.token', () => {
    const [server] = parsed.servers().all();
    const [scheme] = server?.security().flatMap((requirement) => requirement.all()) ?? [];
    expect(scheme?.scheme().type()).toBe('http');
    expect(scheme?.scheme().scheme()).toBe('bearer');
    expect(scheme?.scheme().description()).toContain('auth: { token }');
  });
});
