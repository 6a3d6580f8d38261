import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './sqlite-rows';
import { SqliteWrites } from './sqlite-writes';
import { commitBatch } from './writer-batch';
import type { FromWriter, ToWriter, WriteRequest, WriterData } from './writer-protocol';

/**
 * The SQLite writer thread: owns the one connection that writes, so the fsync of each commit
 * blocks this thread and never the event loop that serves sockets. Writes that arrive while a
 * batch commits queue up in the port and form the next batch.
 */
const port = parentPort;
if (!port) throw new Error('writer-worker runs as a worker thread');
const { file, options } = workerData as WriterData;
const db = openConnection(file);
const writes = new SqliteWrites(db, options);

let queue: WriteRequest[] = [];
let scheduled = false;
let closing = false;

function send(message: FromWriter): void {
  port?.postMessage(message);
}

function flush(): void {
  scheduled = false;
  if (queue.length > 0) {
    const batch = queue;
    queue = [];
    send({ kind: 'results', results: commitBatch(db, writes, batch) });
  }
  if (closing) {
    db.close();
    send({ kind: 'closed' });
    port?.close();
  }
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // 0: what has already arrived in this turn; otherwise hold the batch open a little longer.
  if (options.writeWindowMs > 0) setTimeout(flush, options.writeWindowMs);
  else setImmediate(flush);
}

port.on('message', (message: ToWriter) => {
  if (message.kind === 'close') closing = true;
  else for (const request of message.requests) queue.push(request);
  schedule();
});
send({ kind: 'ready' });
