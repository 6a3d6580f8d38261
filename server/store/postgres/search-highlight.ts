import { HIGHLIGHT_END, HIGHLIGHT_START } from '../conversation-types';

/**
 * The highlight of a search hit on PostgreSQL: ts_headline, with the store's markers around each
 * match (the domain escapes the text and turns them into <mark>). Two of its habits would change
 * the text of a chat message, which is plain text, not HTML:
 * - its parser reads `<b>`, `</i>`, `<!-- -->`… as HTML tags and leaves them out of a passage;
 * - passages drop short words and punctuation at their edges.
 * So a message of at most PASSAGE_WORDS words comes back whole (HighlightAll: every character
 * kept, every match marked), and only a longer one is cut into passages: up to two of 15 to
 * PASSAGE_WORDS words, joined by " … ", with each `<` swapped for a character the content does
 * not hold while ts_headline reads it (a parser sees no tag without `<`), then swapped back.
 */

/** The longest message shown whole; longer ones are cut to passages of at most this many words. */
export const PASSAGE_WORDS = 35;

/**
 * ts_headline's options, passed as parameters, so the control characters need no quoting in SQL;
 * the delimiter is double-quoted for ts_headline's own option parser, which would otherwise end
 * the value at its first space.
 */
const MARKS = [`StartSel=${HIGHLIGHT_START}`, `StopSel=${HIGHLIGHT_END}`];
const WHOLE_OPTIONS = [...MARKS, 'HighlightAll=true'].join(',');
const PASSAGE_OPTIONS = [
  ...MARKS,
  `MaxWords=${PASSAGE_WORDS}`,
  'MinWords=15',
  'ShortWord=2',
  'HighlightAll=false',
  'MaxFragments=2',
  'FragmentDelimiter=" … "',
].join(',');

/**
 * Stand-ins for `<`: characters the parser takes for spaces (controls, then private-use ones),
 * tried in order until one is not in the content. A content holding all of them (only on
 * purpose) is read as it is, its tags left out of the passage.
 */
const STAND_INS = [
  ...[1, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31],
  ...Array.from({ length: 16 }, (_, i) => 0xe000 + i),
].map((code) => String.fromCodePoint(code));

/** The values the expression's parameters `$first`, `$first + 1`, `$first + 2` stand for. */
export const HIGHLIGHT_VALUES: readonly unknown[] = [WHOLE_OPTIONS, PASSAGE_OPTIONS, STAND_INS];

/**
 * The SQL of the highlight of `content` for the query `$query` (a tsquery expression), its
 * options and stand-ins in the parameters from `$first` on (HIGHLIGHT_VALUES).
 */
export function highlightSql(content: string, query: string, first: number): string {
  const [whole, passage, standIns] = [`$${first}`, `$${first + 1}`, `$${first + 2}::text[]`];
  return `CASE
    WHEN cardinality(regexp_split_to_array(btrim(${content}), '\\s+')) <= ${PASSAGE_WORDS}
      THEN ts_headline('english', ${content}, ${query}, ${whole})
    ELSE COALESCE(
      (SELECT replace(ts_headline('english', replace(${content}, '<', s), ${query}, ${passage}), s, '<')
       FROM unnest(${standIns}) WITH ORDINALITY AS x(s, n)
       WHERE strpos(${content}, s) = 0 ORDER BY n LIMIT 1),
      ts_headline('english', ${content}, ${query}, ${passage}))
    END`;
}
