import { fork, type ChildProcess } from 'node:child_process';
import { trackChild } from '../processes';
import { replyEnvelope, resultSchemas, type Command, type CommandResult, type CommandType } from './ipc';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One forked generator and its request/reply channel. */
class GeneratorProcess {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (raw: unknown) => {
      const reply = replyEnvelope.safeParse(raw);
      if (!reply.success) return;
      const waiting = this.pending.get(reply.data.id);
      if (!waiting) return;
      this.pending.delete(reply.data.id);
      if (reply.data.ok) waiting.resolve(reply.data.result);
      else waiting.reject(new Error(reply.data.error));
    });
    // A send on a channel that closed meanwhile (the generator was killed) fails that call only.
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      for (const waiting of this.pending.values()) {
        waiting.reject(new Error(`generator exited (${code ?? signal})`));
      }
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

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * The load generator processes. Client `i` lives in generator `i % size`, so a room's members
 * and a step's senders spread over all of them; the orchestrator only coordinates.
 */
export class GeneratorPool {
  private constructor(private readonly generators: GeneratorProcess[]) {}

  static start(script: string, size: number): GeneratorPool {
    const generators = Array.from({ length: size }, () => {
      const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      trackChild(child);
      return new GeneratorProcess(child);
    });
    return new GeneratorPool(generators);
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
    if (!target) return Promise.reject(new Error(`no generator ${generator}`));
    return target.call(command);
  }

  /** The same command (or one built per generator; `undefined` skips it) to every generator. */
  all<T extends CommandType>(command: Command<T> | ((generator: number) => Command<T> | undefined)) {
    return Promise.all(
      this.generators.map((g, i) => {
        const c = typeof command === 'function' ? command(i) : command;
        return c ? g.call(c) : undefined;
      }),
    ).then((results) => results.filter((r): r is Awaited<CommandResult<T>> => r !== undefined));
  }

  stop(): void {
    for (const g of this.generators) g.stop();
  }
}
