import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './sqlite-rows';
import { SqliteWrites } from './sqlite-writes';
import { batchCommitter } from './writer-batch';
import {
  decodeToWriter,
  encodeMessage,
  type FromWriter,
  type WriteRequest,
  type WriterData,
} from './writer-protocol';

/**
 * The SQLite writer thread: owns the one connection that writes, so the fsync of each commit
 * blocks this thread and never the event loop that serves sockets. Writes that arrive while a
 * batch commits queue up in the port and form the next batch.
 */
const port = parentPort;
if (!port) throw new Error('writer-worker runs as a worker thread');
const { file, options } = workerData as WriterData;
const db = openConnection(file);
const commitBatch = batchCommitter(db, new SqliteWrites(db, options));

let queue: WriteRequest[] = [];
let scheduled = false;
let closing = false;

function send(message: FromWriter): void {
  port?.postMessage(encodeMessage(message));
}

function flush(): void {
  scheduled = false;
  if (queue.length > 0) {
    const batch = queue;
    queue = [];
    send({ kind: 'results', results: commitBatch(batch) });
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

port.on('message', (text: string) => {
  const message = decodeToWriter(text);
  if (message.kind === 'close') closing = true;
  else for (const request of message.requests) queue.push(request);
  schedule();
});
send({ kind: 'ready' });
