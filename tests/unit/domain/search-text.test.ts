import { HIGHLIGHT_END as E, HIGHLIGHT_START as S } from '../../../server/store/conversation-types';
import {
  HIGHLIGHT_PASSAGE,
  SEARCH_TERMS_MAX,
  highlightHtml,
  searchTerms,
} from '../../../server/domain/search-text';

describe('search terms', () => {
  it('splits on anything but letters and digits, lower-cased, each once, in order', () => {
    expect(searchTerms('  Deploy the BUILD, deploy-it now! 42x ')).toEqual([
      'deploy',
      'the',
      'build',
      'it',
      'now',
      '42x',
    ]);
  });

  it('keeps letters of every script and drops query syntax of either database', () => {
    expect(searchTerms('Ünïcode café 東京 Привет')).toEqual(['ünïcode', 'café', '東京', 'привет']);
    expect(searchTerms('"a" OR b* NEAR(c) -d & !e | f:*')).toEqual([
      'a',
      'or',
      'b',
      'near',
      'c',
      'd',
      'e',
      'f',
    ]);
  });

  it('takes at most SEARCH_TERMS_MAX terms', () => {
    const words = Array.from({ length: SEARCH_TERMS_MAX + 5 }, (_, i) => `w${i}`);
    expect(searchTerms(words.join(' '))).toEqual(words.slice(0, SEARCH_TERMS_MAX));
  });

  it('finds no term in punctuation alone', () => {
    expect(searchTerms('?! ... --- @#$')).toEqual([]);
  });
});

describe('highlight to HTML', () => {
  it('escapes the content and marks every occurrence of the words the store matched', () => {
    const content = `a <b> & "c" 'd' Deploy now, deploy x`;
    expect(highlightHtml(content, `'d' ${S}Deploy${E} now`)).toBe(
      'a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; <mark>Deploy</mark> now, <mark>deploy</mark> x',
    );
  });

  it('keeps what ts_headline drops: tags, @ and punctuation stay in the text, escaped', () => {
    // PostgreSQL's highlight of "<b>Launch</b> notes & plans @bob" reads "Launch  notes & plans bob".
    expect(highlightHtml('<b>Launch</b> notes & plans @bob', `${S}Launch${E}  notes & plans bob`)).toBe(
      '&lt;b&gt;<mark>Launch</mark>&lt;/b&gt; notes &amp; plans @bob',
    );
  });

  it('cannot be forged by marker characters in the content', () => {
    const content = `${S}<script>${E} deploy`;
    expect(highlightHtml(content, `${S}<script>${E} ${S}deploy${E}`)).toBe(
      `${S}&lt;<mark>script</mark>&gt;${E} <mark>deploy</mark>`,
    );
    expect(highlightHtml('plain words', 'plain words')).toBe('plain words');
  });

  it('cuts a long content to the passage around its first match, never inside a word', () => {
    const before = 'lorem '.repeat(60);
    const after = ' ipsum'.repeat(60);
    const html = highlightHtml(`${before}needle${after}`, `… ${S}needle${E} …`);
    expect(html.startsWith('…lorem ')).toBe(true);
    expect(html.endsWith(' ipsum…')).toBe(true);
    expect(html).toContain('<mark>needle</mark>');
    expect(html.length).toBeLessThan(HIGHLIGHT_PASSAGE + '<mark></mark>…'.length * 2);
    expect(
      html
        .replace(/<\/?mark>/g, '')
        .replace(/…/g, '')
        .trim()
        .split(/\s+/),
    ).not.toContain('lor');
  });
});
