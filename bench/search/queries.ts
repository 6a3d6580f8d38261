import type { Corpus, SeedRoom } from './corpus';
import { pick, seededRandom, type Random } from './random';

/**
 * The fixed, seeded mix of queries a run measures, chosen from the corpus's own word
 * frequencies so each class means the same thing on every run:
 * - rare: one word among the rarest of the vocabulary (a few hundred messages hold it);
 * - common: one of the most frequent words that is not a function word (1–2 % of messages);
 * - two words: a common word and a mid-frequency one (both must match);
 * - stem: a form of a word family (deploying, reviewed …) whose other forms must match too;
 * - with stop words: a short natural phrase ("is the build broken"): function words that hold in
 *   most messages plus one or two content words (PostgreSQL drops the stop words, SQLite keeps them).
 * Half of each class searches everywhere the viewer may read, half one room they may read.
 */
export const QUERY_CLASSES = ['rare', 'common', 'two words', 'stem', 'with stop words'] as const;
export type QueryClass = (typeof QUERY_CLASSES)[number];
export type QueryScope = 'all' | 'room';

export interface BenchQuery {
  cls: QueryClass;
  scope: QueryScope;
  viewer: string;
  q: string;
  roomId: string | null;
}

/** Words within [lo, hi) of the ranking, that are not function words. */
function ranksBetween(corpus: Corpus, lo: number, hi: number): number[] {
  const start = Math.max(lo, corpus.vocabulary.functionWords);
  const out: number[] = [];
  for (let r = start; r < Math.min(hi, corpus.vocabulary.words.length); r++) out.push(r);
  return out;
}

export interface QueryPools {
  rare: string[];
  common: string[];
  mid: string[];
  /** [a form to search, its family's forms] */
  stems: [string, string[]][];
  functionWords: string[];
}

export function queryPools(corpus: Corpus): QueryPools {
  const { words, families, familyOf, functionWords } = corpus.vocabulary;
  const wordAt = (r: number): string => words[r] as string;
  const n = words.length;
  // Families of three forms or more whose forms together are in at least 0.5 % of messages.
  const live = corpus.stats.live;
  const stems: [string, string[]][] = [];
  for (let r = functionWords; r < n; r++) {
    const family = families[familyOf[r] ?? -1];
    if (!family || family.length < 3) continue;
    if ((corpus.familyFrequency[familyOf[r] ?? 0] ?? 0) < live * 0.005) continue;
    stems.push([wordAt(r), family]);
  }
  return {
    rare: ranksBetween(corpus, n - 1000, n).map(wordAt),
    common: ranksBetween(corpus, 0, functionWords + 40).map(wordAt),
    mid: ranksBetween(corpus, 200, 1000).map(wordAt),
    stems,
    functionWords: words.slice(0, 20),
  };
}

function roomFor(random: Random, corpus: Corpus, viewer: string): SeedRoom {
  // Half the time one of the viewer's rooms, else any public room; busy rooms more often either way
  // (a room is drawn as a message would be: that is where people search).
  const mine = corpus.rooms.filter((r) => r.members.includes(viewer));
  const pool = random() < 0.5 && mine.length > 0 ? mine : corpus.rooms.filter((r) => !r.isPrivate);
  const weights = pool.map((r) => r.lastSeq);
  let u = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < pool.length; i++) {
    u -= weights[i] ?? 0;
    if (u <= 0) return pool[i] as SeedRoom;
  }
  return pool[pool.length - 1] as SeedRoom;
}

function text(random: Random, pools: QueryPools, cls: QueryClass): string {
  switch (cls) {
    case 'rare':
      return pick(random, pools.rare);
    case 'common':
      return pick(random, pools.common);
    case 'two words':
      return `${pick(random, pools.common)} ${pick(random, pools.mid)}`;
    case 'stem':
      return pick(random, pools.stems)[0];
    case 'with stop words': {
      const content =
        random() < 0.5 ? [pick(random, pools.common)] : [pick(random, pools.common), pick(random, pools.mid)];
      const stop = [pick(random, pools.functionWords), pick(random, pools.functionWords)];
      return [stop[0], content[0], stop[1], ...content.slice(1)].join(' ');
    }
  }
}

/** `count` queries, classes and scopes in equal shares, in a seeded random order. */
export function queryMix(corpus: Corpus, count: number, seed: number): BenchQuery[] {
  const random = seededRandom(seed);
  const pools = queryPools(corpus);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const cls = QUERY_CLASSES[i % QUERY_CLASSES.length] as QueryClass;
    const scope: QueryScope = Math.floor(i / QUERY_CLASSES.length) % 2 === 0 ? 'all' : 'room';
    const viewer = pick(random, corpus.viewers);
    out.push({
      cls,
      scope,
      viewer,
      q: text(random, pools, cls),
      roomId: scope === 'room' ? roomFor(random, corpus, viewer).id : null,
    });
  }
  // Interleaved, so that a class's queries are spread over the run (and over its noise).
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = out[i] as BenchQuery;
    out[i] = out[j] as BenchQuery;
    out[j] = a;
  }
  return out;
}
