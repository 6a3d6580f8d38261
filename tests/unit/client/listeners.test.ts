// The module's own file, as connection-errors.ts imports it: one ChatError class, so instanceof holds.
import { ChatError } from '../../../shared/errors';
import { connectionError } from '../../../shared/client/connection-errors';
import { Listeners } from '../../../shared/client/listeners';
import { message } from './fake-history';

describe('client listeners', () => {
  it('calls each listener of an event with its payload, until it is removed by off or by its unsubscribe', () => {
    const listeners = new Listeners();
    const seen: string[] = [];
    const first = (m: { id: string }): void => void seen.push(`first ${m.id}`);
    const unsubscribe = listeners.on('message:new', (m) => seen.push(`second ${m.id}`));
    listeners.on('message:new', first);
    listeners.on('disconnected', (reason) => seen.push(`disconnected ${reason}`));

    listeners.emit('message:new', message(1));
    listeners.off('message:new', first);
    unsubscribe();
    listeners.emit('message:new', message(2));
    listeners.emit('disconnected', 'transport close');

    expect(seen).toEqual(['second room1-m1', 'first room1-m1', 'disconnected transport close']);
  });

  it('keeps calling the other listeners when one throws, and rethrows its error on its own tick', () => {
    const listeners = new Listeners();
    const rethrown: (() => void)[] = [];
    const spy = jest
      .spyOn(globalThis, 'queueMicrotask')
      .mockImplementation((task) => void rethrown.push(task));
    try {
      const calls: string[] = [];
      listeners.on('connected', () => {
        throw new Error('listener bug');
      });
      listeners.on('connected', () => calls.push('second'));
      listeners.emit('connected');
      expect(calls).toEqual(['second']);
      expect(rethrown).toHaveLength(1);
      expect(() => rethrown[0]?.()).toThrow('listener bug');
    } finally {
      spy.mockRestore();
    }
  });

  it('lets a listener remove itself while its event is being emitted', () => {
    const listeners = new Listeners();
    const calls: string[] = [];
    const off = listeners.on('caught-up', () => {
      calls.push('once');
      off();
    });
    listeners.on('caught-up', () => calls.push('always'));
    listeners.emit('caught-up');
    listeners.emit('caught-up');
    expect(calls).toEqual(['once', 'always', 'always']);
  });
});

describe('connection errors', () => {
  it('turns a refusal by the server into a ChatError with its code, message and details', () => {
    const refusal = Object.assign(new Error('UNAUTHORIZED'), {
      data: {
        code: 'UNAUTHORIZED',
        message: 'token expired',
        details: [{ field: 'token', reason: 'expired' }],
      },
    });
    const error = connectionError(refusal);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'token expired',
      details: [{ field: 'token', reason: 'expired' }],
    });
  });

  it('keeps the code when the refusal carries no usable body', () => {
    const error = connectionError(new Error('RATE_LIMITED'));
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('leaves a network failure as the plain error it was', () => {
    const failure = new Error('websocket error');
    expect(connectionError(failure)).toBe(failure);
  });
});
