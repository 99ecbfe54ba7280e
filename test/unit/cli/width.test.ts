import { displayWidth, fitWidth } from '../../../cli/width';

describe('terminal width', () => {
  test.each([
    ['ascii', 'Prod', 4],
    ['CJK counts two columns a character', '日本語', 6],
    ['Hangul', '한국', 4],
    ['fullwidth forms', 'ＡＢ', 4],
    ['an emoji is one character of two columns, not two UTF-16 units', '😀', 2],
    ['a combining mark takes no column', 'e\u0301', 1],
  ])('%s', (_, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  test('fitWidth never splits a surrogate pair and never goes past the width', () => {
    for (let width = 1; width <= 8; width++) {
      const cut = fitWidth('ab😀c😀😀d', width);
      expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      expect(displayWidth(cut)).toBeLessThanOrEqual(width);
    }
    expect(fitWidth('ab😀cd', 4)).toBe('ab…');
    expect(fitWidth('ab😀cd', 5)).toBe('ab😀…');
    expect(fitWidth('short', 5)).toBe('short');
  });
});
