import { buildVocabulary, type Vocabulary } from './vocabulary';
import { randomInt, seededRandom, shuffle, Zipf, type Random } from './random';

/**
 * The seeded chat history both stores are filled with: rooms of Zipf-distributed activity (a few
 * busy, most quiet), some private; users who are members of a subset of them; messages of a
 * realistic length written with Zipf-distributed words. Everything derives from one seed, so the
 * two stores hold the same text and the query mix can be chosen from known word frequencies.
 */
export interface CorpusSettings {
  messages: number;
  rooms: number;
  users: number;
  seed: number;
}

export interface SeedRoom {
  id: string;
  name: string;
  isPrivate: boolean;
  createdBy: string;
  /** Rank of its activity (0 = busiest). */
  activity: number;
  members: string[];
  /** Messages written in it (its last seq). */
  lastSeq: number;
}

export interface SeedUser {
  id: string;
  name: string;
}

export interface SeedMessage {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  username: string;
  content: string;
  createdAt: string;
  /** Deleted after it was written (the store's deletion: content emptied, `deleted` set). */
  deleted: boolean;
}

/** Users who run the queries: each a member of VIEWER_ROOMS rooms, about a third of them private. */
export const VIEWERS = 10;
export const VIEWER_ROOMS = 25;
const PRIVATE_SHARE = 0.3;
const VOCABULARY_SIZE = 4000;
/** Zipf exponents: word frequencies in English text are close to 1; room activity a little flatter. */
const WORD_EXPONENT = 1.05;
const ROOM_EXPONENT = 0.9;
const DELETED_SHARE = 0.01;
/** A year of history, ending at a fixed date (the same corpus on every run). */
const HISTORY_END = Date.parse('2026-12-01T00:00:00.000Z');
const HISTORY_MS = 365 * 24 * 3600 * 1000;

export interface Corpus {
  settings: CorpusSettings;
  vocabulary: Vocabulary;
  rooms: SeedRoom[];
  users: SeedUser[];
  viewers: string[];
  memberships: number;
  /** Per word: the number of live (not deleted) messages holding it. Filled by messages(). */
  documentFrequency: Int32Array;
  /** Per family: the number of live messages holding any of its forms. */
  familyFrequency: Int32Array;
  stats: { words: number; live: number; deleted: number };
}

/** Messages' word counts: many short lines, a body of ordinary ones, a tail of long ones. */
function messageLength(random: Random): number {
  const u = random();
  if (u < 0.2) return randomInt(random, 1, 3);
  if (u < 0.85) return randomInt(random, 4, 15);
  if (u < 0.98) return randomInt(random, 16, 40);
  return randomInt(random, 41, 120);
}

/** Draws distinct ranks weighted by `zipf` (rejecting repeats), at most the whole range. */
function distinctDraws(
  random: Random,
  zipf: Zipf,
  count: number,
  filter: (rank: number) => boolean,
): number[] {
  const chosen = new Set<number>();
  let attempts = 0;
  while (chosen.size < count && attempts < count * 200) {
    attempts++;
    const r = zipf.draw(random);
    if (filter(r)) chosen.add(r);
  }
  return [...chosen];
}

export function buildCorpus(settings: CorpusSettings): Corpus {
  const random = seededRandom(settings.seed);
  const vocabulary = buildVocabulary(random, VOCABULARY_SIZE);
  const users: SeedUser[] = [];
  for (let i = 1; i <= settings.users; i++) {
    users.push({ id: `u${String(i).padStart(5, '0')}`, name: `User ${i}` });
  }
  const viewers: string[] = [];
  for (let i = 1; i <= VIEWERS; i++) {
    viewers.push(`viewer${i}`);
    users.push({ id: `viewer${i}`, name: `Viewer ${i}` });
  }
  // Activity rank and privacy are independent: some busy rooms are private.
  const activityOrder = shuffle(
    random,
    Array.from({ length: settings.rooms }, (_, i) => i),
  );
  const rooms: SeedRoom[] = activityOrder.map((activity, i) => {
    const creator = users[Math.floor(random() * settings.users)] as SeedUser;
    return {
      id: `r${String(i + 1).padStart(4, '0')}`,
      name: `room ${i + 1}`,
      isPrivate: random() < PRIVATE_SHARE,
      createdBy: creator.id,
      activity,
      members: [creator.id],
      lastSeq: 0,
    };
  });
  const byActivity = [...rooms].sort((a, b) => a.activity - b.activity);
  const roomZipf = new Zipf(settings.rooms, ROOM_EXPONENT);
  // Users join a few rooms each (log-normal: median 6, a tail of heavy users), busy rooms more often.
  let memberships = settings.rooms;
  for (const user of users) {
    const isViewer = user.id.startsWith('viewer');
    const wanted = isViewer
      ? VIEWER_ROOMS
      : Math.min(60, Math.max(1, Math.round(Math.exp(Math.log(6) + 0.8 * gaussian(random)))));
    for (const rank of distinctDraws(random, roomZipf, wanted, () => true)) {
      const room = byActivity[rank] as SeedRoom;
      if (room.members.includes(user.id)) continue;
      room.members.push(user.id);
      memberships++;
    }
  }
  return {
    settings,
    vocabulary,
    rooms,
    users,
    viewers,
    memberships,
    documentFrequency: new Int32Array(vocabulary.words.length),
    familyFrequency: new Int32Array(vocabulary.families.length),
    stats: { words: 0, live: 0, deleted: 0 },
  };
}

function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * The messages in the order they were written, `batchSize` at a time. Counts word frequencies
 * into the corpus as it goes (every call starts them afresh and yields the same messages).
 * Ids are 21 characters like the service's, time-ordered (a prefix from the message's index) so
 * the primary key grows at its end as it does when messages arrive over time.
 */
export function* messages(corpus: Corpus, batchSize: number): Generator<SeedMessage[]> {
  const { settings, vocabulary, rooms } = corpus;
  const random = seededRandom(settings.seed ^ 0x5eed);
  const wordZipf = new Zipf(vocabulary.words.length, WORD_EXPONENT);
  const roomZipf = new Zipf(rooms.length, ROOM_EXPONENT);
  const byActivity = [...rooms].sort((a, b) => a.activity - b.activity);
  const names = new Map(corpus.users.map((u) => [u.id, u.name]));
  for (const room of rooms) room.lastSeq = 0;
  corpus.documentFrequency.fill(0);
  corpus.familyFrequency.fill(0);
  corpus.stats = { words: 0, live: 0, deleted: 0 };
  const start = HISTORY_END - HISTORY_MS;
  const step = HISTORY_MS / settings.messages;
  const seenWord = new Int32Array(vocabulary.words.length).fill(-1);
  const seenFamily = new Int32Array(vocabulary.families.length).fill(-1);
  let batch: SeedMessage[] = [];
  for (let i = 0; i < settings.messages; i++) {
    const room = byActivity[roomZipf.draw(random)] as SeedRoom;
    const userId = room.members[Math.floor(random() * room.members.length)] as string;
    const length = messageLength(random);
    const parts: string[] = [];
    const ranks: number[] = [];
    for (let w = 0; w < length; w++) {
      const rank = wordZipf.draw(random);
      ranks.push(rank);
      let word = vocabulary.words[rank] as string;
      if (w === 0 && random() < 0.5) word = word.charAt(0).toUpperCase() + word.slice(1);
      if (w < length - 1 && random() < 0.06) word += ',';
      parts.push(word);
    }
    const end = random();
    const content = parts.join(' ') + (end < 0.3 ? '.' : end < 0.45 ? '?' : end < 0.5 ? '!' : '');
    const deleted = random() < DELETED_SHARE;
    if (deleted) corpus.stats.deleted++;
    else {
      corpus.stats.live++;
      corpus.stats.words += length;
      for (const rank of ranks) {
        if (seenWord[rank] !== i) {
          seenWord[rank] = i;
          corpus.documentFrequency[rank] = (corpus.documentFrequency[rank] ?? 0) + 1;
        }
        const family = vocabulary.familyOf[rank] ?? 0;
        if (seenFamily[family] !== i) {
          seenFamily[family] = i;
          corpus.familyFrequency[family] = (corpus.familyFrequency[family] ?? 0) + 1;
        }
      }
    }
    let suffix = '';
    for (let c = 0; c < 13; c++) suffix += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
    room.lastSeq++;
    batch.push({
      id: `${i.toString(36).padStart(8, '0')}${suffix}`,
      roomId: room.id,
      seq: room.lastSeq,
      userId,
      username: names.get(userId) ?? userId,
      content,
      createdAt: new Date(start + Math.floor(i * step + random() * step)).toISOString(),
      deleted,
    });
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
