import { cleanOptional, cleanText, MAX_TEXT } from '../../../functions/lib/text';

describe('cleanText', () => {
  test.each([
    ['colour sequences, parameters and all', '\u001b[31mred\u001b[0m', 'red'],
    ['a cursor move with several parameters', 'a\u001b[2;10Hb', 'a b'],
    ['an OSC hyperlink ended by BEL', '\u001b]8;;http://evil\u0007click', 'click'],
    ['an OSC hyperlink ended by ESC \\', '\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\', 'click'],
    ['a title change (OSC 0)', 'a\u001b]0;pwned\u0007b', 'a b'],
    ['a two-byte escape (charset, keypad)', 'a\u001b(0b\u001b=c', 'a b c'],
    ['the C1 form of CSI', 'a\u009b6nb', 'a b'],
    ['the C1 form of OSC, ended by ST', 'a\u009d0;x\u009cb', 'a b'],
    ['an unterminated OSC: only its introducer, the rest stays readable', 'a\u001b]rest of it', 'a rest of it'],
    ['newlines and tabs', 'line1\nline2\tend', 'line1 line2 end'],
    ['bidi overrides and isolates', 'abc\u202eexe.txt\u2066x\u2069', 'abc exe.txt x'],
    ['zero-width characters and the BOM', '\ufeffa\u200bb', 'a b'],
    ['DEL', 'a\u007fb', 'a b'],
    ['the Arabic letter mark (a bidi control)', 'a\u061cb', 'a b'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a b c'],
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
    expect(cleanOptional('a\u0007b', 10)).toBe('a b');
  });
});
