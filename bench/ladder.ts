import type { StepResult } from './workload';

export interface LadderOptions {
  /** The first rung, unless a previous round of the same server says to start higher. */
  start: number;
  /** Each rung is this many times the last. */
  factor: number;
  /** Never offered more than this. */
  max: number;
  /** Bisection steps between the last sustained rung and the first failed one. */
  refinements: number;
}

export interface Rung {
  rate: number;
  /** Undefined: sustained; otherwise why not. */
  failure: string | undefined;
  /** A failure that was tried again at the same rate: the retry's verdict stands. */
  retried: boolean;
  result: StepResult;
}

export interface LadderResult {
  /** The highest rate sustained (0: not even the lowest rung). */
  sustainable: number;
  /** The step at that rate (undefined when none was sustained). */
  atSustainable: StepResult | undefined;
  rungs: Rung[];
}

/**
 * Steps the offered rate up until a step is not sustained, then bisects (geometrically) between
 * the last good rung and the first bad one; a step below `start` is tried (down to start/factor³)
 * when the first rung already fails. A failed rung of the climb is tried once more before it ends
 * the climb: on a shared machine one stall of a few tens of ms can spoil a p99 by itself.
 */
export async function climb(
  options: LadderOptions,
  runStep: (rate: number) => Promise<StepResult>,
  judge: (result: StepResult) => string | undefined,
): Promise<LadderResult> {
  const rungs: Rung[] = [];
  const once = async (rate: number): Promise<Rung> => {
    const result = await runStep(rate);
    const rung: Rung = { rate, failure: judge(result), retried: false, result };
    rungs.push(rung);
    return rung;
  };
  const tryRate = async (rate: number, confirm = true): Promise<Rung> => {
    const rung = await once(rate);
    if (!rung.failure || !confirm) return rung;
    rung.retried = true;
    return once(rate);
  };
  let good: Rung | undefined;
  let bad: Rung | undefined;
  for (let rate = options.start; rate <= options.max; rate = Math.round(rate * options.factor)) {
    const rung = await tryRate(rate);
    if (rung.failure) {
      bad = rung;
      break;
    }
    good = rung;
  }
  if (!good) {
    for (let i = 1, rate = options.start; i <= 3 && !good; i++) {
      rate = Math.max(1, Math.round(rate / options.factor));
      const rung = await tryRate(rate);
      if (rung.failure) bad = rung;
      else good = rung;
    }
  }
  for (let i = 0; i < options.refinements && good && bad; i++) {
    const rate = Math.round(Math.sqrt(good.rate * bad.rate));
    if (rate <= good.rate || rate >= bad.rate) break;
    const rung = await tryRate(rate, false);
    if (rung.failure) bad = rung;
    else good = rung;
  }
  return { sustainable: good?.rate ?? 0, atSustainable: good?.result, rungs };
}

/** Where a later round starts: two rungs below what the first round of the same server sustained. */
export function laterStart(options: LadderOptions, firstSustained: number | undefined): number {
  if (!firstSustained) return options.start;
  let rate = options.start;
  for (;;) {
    const next = Math.round(rate * options.factor);
    if (next * options.factor ** 2 > firstSustained * 1.001) return rate;
    rate = next;
  }
}

/**
 * The step per-operation costs are read from: the highest sustained one, or, when none was, the
 * lowest rung whose sends were all acknowledged (its CPU is real, only its latency was too high).
 */
export function costStep(ladder: LadderResult): { step: StepResult; sustained: boolean } | undefined {
  if (ladder.atSustainable) return { step: ladder.atSustainable, sustained: true };
  const acked = ladder.rungs
    .filter((r) => r.result.failed === 0 && r.result.acked > 0)
    .sort((a, b) => a.rate - b.rate)[0];
  return acked ? { step: acked.result, sustained: false } : undefined;
}
