import net from 'node:net';
import { HeldSocket } from '../../server/realtime/held-socket';
import { WriteCoalescer, type Releasable } from '../../server/realtime/write-coalescer';

/** Resolves after the immediates queued so far (the coalescer's end of turn among them) have run. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A connection that records its releases in `log`. */
function target(log: string[], name: string, onRelease: () => void = () => {}): Releasable {
  return {
    release: () => {
      log.push(name);
      onRelease();
    },
  };
}

describe('WriteCoalescer, window of one event-loop turn', () => {
  it('releases a connection once, at the end of the turn, however often it was held', async () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(0);
    const a = target(log, 'a');
    coalescer.hold(a);
    coalescer.hold(a);
    coalescer.hold(a);
    await Promise.resolve();
    expect(log).toEqual([]);
    await endOfTurn();
    expect(log).toEqual(['a']);
    expect(coalescer.size).toBe(0);
  });

  it('opens a new window in the next turn', async () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(0);
    const a = target(log, 'a');
    coalescer.hold(a);
    await endOfTurn();
    coalescer.hold(a);
    await endOfTurn();
    expect(log).toEqual(['a', 'a']);
  });

  it('releases connections in the order they were first held', async () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(0);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => target(log, name));
    for (const t of [b, a, b, c, a]) if (t) coalescer.hold(t);
    await endOfTurn();
    expect(log).toEqual(['b', 'a', 'c']);
  });

  it('releases a connection held again during the release loop in that same loop', async () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(0);
    const late = target(log, 'late');
    coalescer.hold(target(log, 'first', () => coalescer.hold(late)));
    await endOfTurn();
    expect(log).toEqual(['first', 'late']);
    expect(coalescer.size).toBe(0);
  });

  it('reports a release that throws and releases the others all the same', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const coalescer = new WriteCoalescer(0, (err) => errors.push(err));
    coalescer.hold({
      release: () => {
        throw new Error('flush failed');
      },
    });
    coalescer.hold(target(log, 'b'));
    await endOfTurn();
    expect(errors).toEqual([new Error('flush failed')]);
    expect(log).toEqual(['b']);
  });

  it('releaseNow releases at once, and the end of the window does not release again', async () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(0);
    const a = target(log, 'a');
    coalescer.hold(a);
    coalescer.releaseNow(a);
    coalescer.releaseNow(a);
    expect(log).toEqual(['a']);
    await endOfTurn();
    expect(log).toEqual(['a']);
  });
});

describe('WriteCoalescer, timed window', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds for holdMs across turns, with one timer for every connection of the window', () => {
    const log: string[] = [];
    const coalescer = new WriteCoalescer(5);
    const targets = Array.from({ length: 100 }, (_, i) => target(log, String(i)));
    for (const t of targets) coalescer.hold(t);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(4);
    expect(log).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(log).toHaveLength(100);
    expect(jest.getTimerCount()).toBe(0);
  });
});

/** A connected pair of TCP sockets on 127.0.0.1, closed by `close`. */
async function tcpPair(): Promise<{ client: net.Socket; peer: net.Socket; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const peer = await accepted;
  return {
    client,
    peer,
    close: async () => {
      client.destroy();
      peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves with what `peer` received once it has `length` bytes. */
function receive(peer: net.Socket, length: number): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    peer.on('data', (data: Buffer) => {
      chunks.push(data);
      const all = Buffer.concat(chunks);
      if (all.length >= length) resolve(all.toString());
    });
  });
}

describe('HeldSocket', () => {
  it('sends the writes of one turn in one system call, in order, outside the socket meanwhile', async () => {
    const pair = await tcpPair();
    try {
      const writev = jest.spyOn(pair.client, '_writev');
      const write = jest.spyOn(pair.client, '_write');
      const held = HeldSocket.attach(pair.client, new WriteCoalescer(0));
      const chunks = ['one ', 'two ', 'three ', 'four'];
      const arrived = receive(pair.peer, chunks.join('').length);
      const written = jest.fn();
      for (const chunk of chunks) pair.client.write(chunk, written);
      expect(held.size).toBe(4);
      // Not buffered in the socket: its writableLength measures only what the peer has not taken.
      expect(pair.client.writableLength).toBe(0);
      expect(writev).not.toHaveBeenCalled();
      await endOfTurn();
      expect(writev).toHaveBeenCalledTimes(1);
      expect(write).not.toHaveBeenCalled();
      expect(await arrived).toBe(chunks.join(''));
      expect(written).toHaveBeenCalledTimes(4);
      expect(written.mock.calls.map(([err]: unknown[]) => err ?? null)).toEqual([null, null, null, null]);
    } finally {
      await pair.close();
    }
  });

  it('runs beforeRelease first, and what it writes joins the same write', async () => {
    const pair = await tcpPair();
    try {
      const writev = jest.spyOn(pair.client, '_writev');
      const held = HeldSocket.attach(pair.client, new WriteCoalescer(0));
      held.beforeRelease = () => pair.client.write('handed over');
      const arrived = receive(pair.peer, 'held, handed over'.length);
      pair.client.write('held, ');
      await endOfTurn();
      expect(writev).toHaveBeenCalledTimes(1);
      expect(await arrived).toBe('held, handed over');
    } finally {
      await pair.close();
    }
  });

  it('releases what it holds before ending, so the last words still arrive after it', async () => {
    const pair = await tcpPair();
    try {
      HeldSocket.attach(pair.client, new WriteCoalescer(0));
      const arrived = receive(pair.peer, 'held then last'.length);
      pair.client.write('held ');
      pair.client.end('then last');
      expect(await arrived).toBe('held then last');
    } finally {
      await pair.close();
    }
  });

  it('releases what it holds before a destroy without error (what was written still leaves)', async () => {
    const pair = await tcpPair();
    try {
      const coalescer = new WriteCoalescer(0);
      HeldSocket.attach(pair.client, coalescer);
      const arrived = receive(pair.peer, 'refused'.length);
      pair.client.write('refused');
      pair.client.destroy();
      expect(coalescer.size).toBe(0);
      expect(await arrived).toBe('refused');
    } finally {
      await pair.close();
    }
  });

  it('fails what it holds when destroyed for an error, and leaves nothing behind', async () => {
    const pair = await tcpPair();
    try {
      const coalescer = new WriteCoalescer(0);
      const held = HeldSocket.attach(pair.client, coalescer);
      pair.client.on('error', () => undefined);
      const failed = new Promise<unknown>((resolve) => pair.client.write('lost', resolve));
      pair.client.destroy(new Error('connection reset'));
      expect(await failed).toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
      expect(held.size).toBe(0);
      expect(coalescer.size).toBe(0);
      // Closed: further writes are refused at once rather than held.
      const refused = new Promise<unknown>((resolve) => pair.client.write('late', resolve));
      expect(held.size).toBe(0);
      expect(await refused).toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
    } finally {
      await pair.close();
    }
  });

  it('leaves no timer behind for a socket closed while held in a timed window', async () => {
    const pair = await tcpPair();
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const coalescer = new WriteCoalescer(20);
      const held = HeldSocket.attach(pair.client, coalescer);
      pair.client.on('error', () => undefined);
      pair.client.write('held');
      expect(jest.getTimerCount()).toBe(1);
      pair.client.destroy(new Error('connection reset'));
      expect(held.size).toBe(0);
      jest.advanceTimersByTime(20);
      expect(jest.getTimerCount()).toBe(0);
      expect(coalescer.size).toBe(0);
    } finally {
      jest.useRealTimers();
      await pair.close();
    }
  });
});
