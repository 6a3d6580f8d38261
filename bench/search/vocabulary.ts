import { shuffle, type Random } from './random';

/**
 * The words the corpus is written with: a few thousand English-ish words ranked for a Zipf draw.
 * The top ranks are English function words (as in any chat log: "the", "to", "is" …), which
 * PostgreSQL's `english` configuration drops as stop words and SQLite's porter tokenizer keeps.
 * Then real chat words and made-up ones, many in families that share a stem (deploy, deploys,
 * deployed, deploying, deployment), so a search for one form must find the others.
 */
const FUNCTION_WORDS = (
  'the to i a and is it you that in of for on we this be have with not are but so just can do at ' +
  'was if me my will what all be there they it’s from get about one up out like your our no yes ' +
  'as now or how when would should could did an by then some more them there’s here also any been ' +
  'which who than too very still only why well because into over after'
)
  .split(' ')
  .map((w) => w.replace(/’/g, ''))
  .filter((w, i, all) => all.indexOf(w) === i);

/** Real chat words; each group is one stem family. */
const CHAT_FAMILIES = [
  'deploy deploys deployed deploying deployment',
  'test tests tested testing',
  'build builds building builder',
  'merge merged merging merges',
  'review reviews reviewed reviewing reviewer',
  'connect connected connecting connection connections',
  'meet meeting meetings',
  'fix fixes fixed fixing',
  'release releases released releasing',
  'schedule scheduled scheduling',
  'update updates updated updating',
  'crash crashes crashed crashing',
  'restart restarts restarted restarting',
  'migrate migrated migrating migration migrations',
  'config configure configured configuration',
  'break breaks breaking broken',
  'run runs running',
  'log logs logged logging',
  'search searches searched searching',
  'index indexes indexed indexing',
  'cache caches cached caching',
  'query queries',
  'monitor monitors monitored monitoring',
  'alert alerts alerted alerting',
  'design designs designed designing designer',
  'plan plans planned planning',
  'write writes writing written',
  'read reads reading',
  'ship ships shipped shipping',
  'lunch lunches',
  'coffee',
  'customer customers',
  'invoice invoices invoiced invoicing',
  'payment payments',
  'database databases',
  'server servers',
  'client clients',
  'ticket tickets',
  'issue issues',
  'branch branches',
  'commit commits committed committing',
  'benchmark benchmarks benchmarked benchmarking',
  'latency latencies',
  'timeout timeouts',
  'hire hired hiring',
  'interview interviews interviewed interviewing',
  'travel traveled traveling',
  'weekend weekends',
  'holiday holidays',
  'birthday birthdays',
  'team teams',
  'project projects',
  'document documents documented documentation',
  'upload uploads uploaded uploading',
  'download downloads downloaded downloading',
  'password passwords',
  'account accounts',
  'budget budgets budgeted',
  'report reports reported reporting',
  'dashboard dashboards',
  'network networks networking',
  'secure security',
  'perform performance',
  'optimize optimized optimizing optimization',
  'refactor refactored refactoring',
  'question questions questioned',
  'answer answers answered answering',
  'thank thanks thanked',
  'morning mornings',
  'tomorrow',
  'yesterday',
  'today',
  'later',
  'great',
  'sure',
  'okay',
  'problem problems',
  'error errors',
  'warning warnings',
  'feature features',
  'user users',
  'room rooms',
  'message messages messaging',
  'call calls called calling',
  'help helps helped helping helpful',
  'work works worked working',
  'look looks looked looking',
  'need needs needed',
  'think thinks thinking thought',
  'know knows knew',
  'want wants wanted',
];

const ONSETS = [
  'b',
  'br',
  'c',
  'cl',
  'd',
  'dr',
  'f',
  'fl',
  'g',
  'gr',
  'h',
  'j',
  'k',
  'l',
  'm',
  'n',
  'p',
  'pl',
  'pr',
  'r',
  's',
  'st',
  'sh',
  't',
  'tr',
  'th',
  'v',
  'w',
  'z',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'oo', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 'm', 'nt', 'st', 'ck', 'rd', 'sk', 'x'];
/** Suffixes the porter and snowball stemmers both take off. */
const SUFFIXES = ['s', 'ed', 'ing', 'er'];

export interface Vocabulary {
  /** Every word, most frequent first (index = Zipf rank). */
  words: string[];
  /** For each word, the index of its family (words that share a stem). */
  familyOf: Int32Array;
  families: string[][];
  /** How many of the top ranks are function words. */
  functionWords: number;
}

function madeUpStem(random: Random): string {
  const syllables = 2 + Math.floor(random() * 2);
  let word = '';
  for (let s = 0; s < syllables; s++) {
    const onset = ONSETS[Math.floor(random() * ONSETS.length)] ?? 'b';
    const vowel = VOWELS[Math.floor(random() * VOWELS.length)] ?? 'a';
    const coda = s === syllables - 1 ? (CODAS[Math.floor(random() * CODAS.length)] ?? '') : '';
    word += onset + vowel + coda;
  }
  return word;
}

/**
 * `size` words: the function words first, then the chat words' families and made-up families
 * shuffled together (chat words placed among the first few hundred, where common words are).
 */
export function buildVocabulary(random: Random, size: number): Vocabulary {
  const seen = new Set<string>(FUNCTION_WORDS);
  const chat = CHAT_FAMILIES.map((f) => f.split(' ').filter((w) => !seen.has(w)));
  for (const family of chat) for (const w of family) seen.add(w);
  const madeUp: string[][] = [];
  let count = FUNCTION_WORDS.length + chat.reduce((n, f) => n + f.length, 0);
  while (count < size) {
    const stem = madeUpStem(random);
    if (seen.has(stem)) continue;
    // A third of the made-up stems come with one to three derived forms.
    const family = [stem];
    if (random() < 0.33) {
      for (const suffix of shuffle(random, [...SUFFIXES]).slice(0, 1 + Math.floor(random() * 3))) {
        const form = stem.endsWith('e') && suffix !== 's' ? stem + suffix.slice(1) : stem + suffix;
        if (!seen.has(form)) family.push(form);
      }
    }
    for (const w of family) seen.add(w);
    madeUp.push(family);
    count += family.length;
  }
  // Chat words spread over ranks just after the function words, made-up words after them; within
  // each, the order of the words (not of families) is random, so forms of a family have different
  // frequencies, as in real text.
  const chatWords = shuffle(
    random,
    chat.flatMap((f, i) => f.map((w) => ({ w, family: i }))),
  );
  const madeUpWords = shuffle(
    random,
    madeUp.flatMap((f, i) => f.map((w) => ({ w, family: chat.length + i }))),
  );
  const ranked = [
    ...FUNCTION_WORDS.map((w, i) => ({ w, family: chat.length + madeUp.length + i })),
    ...chatWords,
    ...madeUpWords,
  ].slice(0, size);
  const families = [...chat, ...madeUp, ...FUNCTION_WORDS.map((w) => [w])];
  return {
    words: ranked.map((r) => r.w),
    familyOf: Int32Array.from(ranked.map((r) => r.family)),
    families,
    functionWords: FUNCTION_WORDS.length,
  };
}
