import { cleanOptional, cleanText, MAX_TEXT } from '../../../functions/lib/text';

describe('cleanText', () => {
  test.each([
    ['ESC sequences', '\u001b[31mred\u001b[0m', '[31mred [0m'],
    ['an OSC hyperlink ended by BEL', '\u001b]8;;http://evil\u0007click', ']8;;http://evil click'],
    ['C1 controls (CSI)', 'a\u009b6nb', 'a 6nb'],
    ['newlines and tabs', 'line1\nline2\tend', 'line1 line2 end'],
    ['bidi overrides and isolates', 'abc\u202eexe.txt\u2066x\u2069', 'abc exe.txt x'],
    ['zero-width characters and the BOM', '\ufeffa\u200bb', 'a b'],
    ['DEL', 'a\u007fb', 'a b'],
  ])('strips %s', (_name, input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  test(`cuts text longer than ${MAX_TEXT} characters, with an ellipsis`, () => {
    const text = cleanText('x'.repeat(4 * 1024 * 1024));

    expect(text).toHaveLength(MAX_TEXT);
    expect(text.endsWith('…')).toBe(true);
  });

  test('keeps text within the bound as it is', () => {
    expect(cleanText('arn:aws:iam::111122223333:user/bob', 64)).toBe('arn:aws:iam::111122223333:user/bob');
  });

  test('never cuts a surrogate pair in half', () => {
    const text = cleanText(`${'a'.repeat(8)}😀😀`, 10);

    expect(text).toBe(`${'a'.repeat(8)}…`);
  });

  test('non-strings become their JSON; undefined and null become empty', () => {
    expect(cleanText({ a: 1 })).toBe('{"a":1}');
    expect(cleanText(7)).toBe('7');
    expect(cleanText(undefined)).toBe('');
    expect(cleanText(null)).toBe('');
  });
});

describe('cleanOptional', () => {
  test('undefined, null and text that cleans to nothing stay undefined', () => {
    expect(cleanOptional(undefined)).toBeUndefined();
    expect(cleanOptional(null)).toBeUndefined();
    expect(cleanOptional('\u001b\u0007')).toBeUndefined();
  });

  test('cleans and bounds like cleanText', () => {
    expect(cleanOptional('a\u001bb', 10)).toBe('a b');
  });
});
