import type { Counters } from './ipc';

/** A generator's running counters: what `stats` and `finish` answer (cumulative). */
export class Tally {
  readonly ok: Record<string, number> = {};
  readonly errors: Record<string, Record<string, number>> = {};
  readonly connectErrors: Record<string, number> = {};
  reconnects = 0;
  dropsMidSend = 0;
  unsolicitedDisconnects = 0;
  skipped = 0;
  deliveries = 0;
  readonly catchUp = { pages: 0, messages: 0, gaps: 0, firstGap: null as string | null };

  succeeded(event: string): void {
    this.ok[event] = (this.ok[event] ?? 0) + 1;
  }

  failed(event: string, code: string): void {
    const byCode = (this.errors[event] ??= {});
    byCode[code] = (byCode[code] ?? 0) + 1;
  }

  connectFailed(cause: string): void {
    // A refused connection's connect_error carries the error code as its message: keep the code.
    const key = /"message":"([^"]+)"/.exec(cause)?.[1] ?? cause.slice(0, 60);
    this.connectErrors[key] = (this.connectErrors[key] ?? 0) + 1;
  }

  gap(description: string): void {
    this.catchUp.gaps++;
    this.catchUp.firstGap ??= description;
  }

  snapshot(connected: number): Counters {
    return {
      ok: { ...this.ok },
      errors: Object.fromEntries(Object.entries(this.errors).map(([e, byCode]) => [e, { ...byCode }])),
      connectErrors: { ...this.connectErrors },
      reconnects: this.reconnects,
      dropsMidSend: this.dropsMidSend,
      unsolicitedDisconnects: this.unsolicitedDisconnects,
      skipped: this.skipped,
      catchUp: { ...this.catchUp },
      deliveries: this.deliveries,
      connected,
    };
  }
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** Counters of every generator, added up. */
export function mergeCounters(all: readonly Counters[]): Counters {
  const merged = new Tally().snapshot(0);
  for (const c of all) {
    addCounts(merged.ok, c.ok);
    for (const [event, byCode] of Object.entries(c.errors)) addCounts((merged.errors[event] ??= {}), byCode);
    addCounts(merged.connectErrors, c.connectErrors);
    merged.reconnects += c.reconnects;
    merged.dropsMidSend += c.dropsMidSend;
    merged.unsolicitedDisconnects += c.unsolicitedDisconnects;
    merged.skipped += c.skipped;
    merged.deliveries += c.deliveries;
    merged.connected += c.connected;
    merged.catchUp.pages += c.catchUp.pages;
    merged.catchUp.messages += c.catchUp.messages;
    merged.catchUp.gaps += c.catchUp.gaps;
    merged.catchUp.firstGap ??= c.catchUp.firstGap;
  }
  return merged;
}
