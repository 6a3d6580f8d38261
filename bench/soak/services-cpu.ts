import { readdirSync, readFileSync } from 'node:fs';
import { cpuMs } from '../proc';

/** CPU time (ms) of every live process named one of `names` (PostgreSQL backends, Redis), by pid. */
export function cpuMsByPid(names: readonly string[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (names.includes(comm)) byPid.set(Number(entry), cpuMs(Number(entry)));
  }
  return byPid;
}

/**
 * CPU the processes used between two readings. Summing totals instead would go backwards each time
 * a backend exits (other users of the same PostgreSQL open and close connections all the time):
 * here a process that ended in between counts nothing, one that started counts all it used.
 */
export function cpuMsBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let total = 0;
  for (const [pid, ms] of after) total += Math.max(0, ms - (before.get(pid) ?? 0));
  return total;
}
