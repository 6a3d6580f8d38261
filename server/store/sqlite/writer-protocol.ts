import type { StoreOptions } from '../store-options';
import type { WriteMethod } from './sqlite-writes';

/** What the writer thread is started with. */
export interface WriterData {
  file: string;
  options: Pick<StoreOptions, 'reactionUsersShown' | 'writeWindowMs'>;
}

/** One write, as the store asks the writer thread for it. */
export interface WriteRequest {
  id: number;
  method: WriteMethod;
  args: unknown[];
}

/** An error as it crosses the thread boundary (a SqliteError keeps its code). */
export interface WriteFailure {
  name: string;
  message: string;
  code?: string;
}

/** The answer to one write; the writer posts one array per committed batch. */
export type WriteResult =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WriteFailure };

/** The store's messages to the writer thread: writes (in the order asked), or the request to finish and close. */
export type ToWriter = { kind: 'writes'; requests: WriteRequest[] } | { kind: 'close' };

/** The writer thread's messages: answers of one batch, or that it is ready / has closed. */
export type FromWriter = { kind: 'results'; results: WriteResult[] } | { kind: 'ready' } | { kind: 'closed' };

/**
 * Messages cross the thread boundary as JSON text: every value in them is plain JSON, and posting
 * a string is a copy, where the structured clone of the same objects costs several times more.
 */
export const encodeMessage = (message: ToWriter | FromWriter): string => JSON.stringify(message);
export const decodeToWriter = (text: string): ToWriter => JSON.parse(text) as ToWriter;
export const decodeFromWriter = (text: string): FromWriter => JSON.parse(text) as FromWriter;

export function describeError(err: unknown): WriteFailure {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

export function reviveError(failure: WriteFailure): Error {
  const error = new Error(failure.message);
  error.name = failure.name;
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  return error;
}
