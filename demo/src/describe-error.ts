/** A short line for the error banner: the contract's code when the error has one, then its message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = 'code' in err && typeof err.code === 'string' ? err.code : null;
  return code ? `${code}: ${err.message}` : err.message;
}

/** The contract's error code of a failure, if it has one. */
export function errorCode(err: unknown): string | null {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : null;
}
