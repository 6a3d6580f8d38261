import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { trackChild } from '../processes';
import { replyEnvelope, resultSchemas, type Command, type CommandResult, type CommandType } from './ipc';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One forked soak generator and its request/reply channel (as bench/load/generator-pool.ts). */
class SoakGenerator {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  readonly exited: Promise<unknown>;

  constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit');
    child.on('message', (raw: unknown) => {
      const reply = replyEnvelope.safeParse(raw);
      if (!reply.success) return;
      const waiting = this.pending.get(reply.data.id);
      if (!waiting) return;
      this.pending.delete(reply.data.id);
      if (reply.data.ok) waiting.resolve(reply.data.result);
      else waiting.reject(new Error(reply.data.error));
    });
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      for (const waiting of this.pending.values())
        waiting.reject(new Error(`generator exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  call<T extends CommandType>(command: Command<T>): Promise<CommandResult<T>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, {
        resolve: (result) => {
          const parsed = resultSchemas[command.type].safeParse(result);
          if (parsed.success) resolve(parsed.data as CommandResult<T>);
          else reject(new Error(`generator answered ${command.type} with ${parsed.error.message}`));
        },
        reject,
      });
      if (!this.child.connected) {
        this.pending.delete(id);
        reject(new Error('generator is gone'));
        return;
      }
      this.child.send({ id, command }, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The soak's generator processes; client `i` lives in generator `i % size`. */
export class SoakPool {
  private constructor(private readonly generators: SoakGenerator[]) {}

  static start(script: string, size: number): SoakPool {
    return new SoakPool(
      Array.from({ length: size }, () => {
        const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
        trackChild(child);
        return new SoakGenerator(child);
      }),
    );
  }

  get size(): number {
    return this.generators.length;
  }

  get pids(): number[] {
    return this.generators.map((g) => g.pid);
  }

  generatorOf(client: number): number {
    return client % this.generators.length;
  }

  call<T extends CommandType>(generator: number, command: Command<T>): Promise<CommandResult<T>> {
    const target = this.generators[generator];
    return target ? target.call(command) : Promise.reject(new Error(`no generator ${generator}`));
  }

  /** A command built per generator (`undefined` skips that one) to every generator at once. */
  all<T extends CommandType>(
    command: (generator: number) => Command<T> | undefined,
  ): Promise<CommandResult<T>[]> {
    return Promise.all(
      this.generators.map((g, i) => {
        const c = command(i);
        return c ? g.call(c) : undefined;
      }),
    ).then((results) => results.filter((r): r is Awaited<CommandResult<T>> => r !== undefined));
  }

  /** Kills every generator and waits until each has exited (so its CPU is in our children's). */
  async stop(): Promise<void> {
    await Promise.all(this.generators.map((g) => g.stop()));
  }
}
