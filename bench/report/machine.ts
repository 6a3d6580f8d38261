import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  model: string;
  ramGb: number;
  node: string;
  kernel: string;
  loadAverageAtStart: number[];
}

export function describeMachine(): MachineInfo {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) model = match[1].trim();
  } catch {
    // Not Linux: os.cpus() said what it could.
  }
  return {
    cores: os.cpus().length,
    model,
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
