import { readFileSync } from 'node:fs';

/**
 * How long a process's main thread (for Node.js, the event loop) has been runnable but waiting
 * for a CPU, in ms: the second field of /proc/<pid>/schedstat. On a shared machine this tells an
 * event-loop delay caused by the server from one caused by everything else wanting the cores.
 * 0 when the file cannot be read (not Linux, schedstats off, the process gone).
 */
export function runQueueWaitMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    const ns = Number(fields[1]);
    return Number.isFinite(ns) ? ns / 1e6 : 0;
  } catch {
    return 0;
  }
}
