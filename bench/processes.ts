import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Everything the bench starts or creates, so that it is all gone when the bench ends, however it
 * ends: child processes are killed and temporary folders removed on exit, Ctrl-C or a crash;
 * external resources (a PostgreSQL database, Redis keys) are released by async cleanups that run
 * at the end or, bounded in time, on a signal.
 */
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const cleanups = new Set<() => Promise<void>>();
/** Set by Ctrl-C: whatever the run was doing may still try to start processes; they die at once. */
let stopping = false;

export function isStopping(): boolean {
  return stopping;
}

export function trackChild(child: ChildProcess): void {
  if (stopping) child.kill('SIGKILL');
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Registers an async release; returns a function that runs it now (once) and unregisters it. */
export function addCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async (): Promise<void> => {
    if (done) return;
    done = true;
    cleanups.delete(once);
    await cleanup();
  };
  cleanups.add(once);
  return once;
}

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export async function runCleanups(): Promise<void> {
  for (const cleanup of [...cleanups]) {
    await cleanup().catch((err: unknown) => {
      process.stderr.write(`bench: cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  }
}

export function installExitHandlers(): void {
  process.on('exit', () => {
    killChildren();
    removeTempDirs();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      killChildren();
      removeTempDirs();
      const bounded = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      void Promise.race([runCleanups(), bounded]).finally(() => process.exit(130));
    });
  }
}
