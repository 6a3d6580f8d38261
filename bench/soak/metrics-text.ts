/**
 * The few figures the soak reads from a node's `GET /metrics` (Prometheus text): prom-client's
 * default process metrics and the service's own counters.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) if (key) labels[key] = value ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every series of `name` whose labels include `where`; null when there is none. */
export function metricSum(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): number | null {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v),
  );
  return matching.length === 0 ? null : matching.reduce((sum, s) => sum + s.value, 0);
}

/** `/metrics` of one node, parsed; empty when it does not answer (a node that died shows elsewhere). */
export async function scrape(httpOrigin: string): Promise<Sample[]> {
  try {
    const res = await fetch(`${httpOrigin}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parseMetrics(await res.text()) : [];
  } catch {
    return [];
  }
}
