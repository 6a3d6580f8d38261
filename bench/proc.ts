import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * What Linux says about a process: CPU time from /proc/<pid>/stat (every thread of the process,
 * worker threads included, dead ones too) and resident memory from /proc/<pid>/status.
 */
const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Fields of /proc/<pid>/stat after the `(comm)`, which may itself hold spaces and parentheses. */
function statFields(pid: number | 'self'): { comm: string; fields: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(open + 1, close), fields: text.slice(close + 2).split(' ') };
}

const ticksToMs = (ticks: number): number => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

/** utime + stime in ms (0 for a process that is gone). */
export function cpuMs(pid: number): number {
  const stat = statFields(pid);
  // After the comm: state is field 0, utime field 11, stime field 12 (stat(5) fields 14 and 15).
  return stat ? ticksToMs(Number(stat.fields[11]) + Number(stat.fields[12])) : 0;
}

/** This process plus every child it has reaped (servers, generators, the build). */
export function ownTreeCpuMs(): number {
  const stat = statFields('self');
  if (!stat) return 0;
  const f = stat.fields;
  return ticksToMs(Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
}

export function sumCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** VmRSS in KiB (0 for a process that is gone). */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time of every process named `name` (e.g. all PostgreSQL backends), summed. */
export function cpuMsOfProcessesNamed(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statFields(Number(entry));
    if (stat?.comm === name) total += ticksToMs(Number(stat.fields[11]) + Number(stat.fields[12]));
  }
  return total;
}

/** The machine's CPU time so far (ms summed over cores): busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: ticksToMs(total - idle), total: ticksToMs(total) };
}
