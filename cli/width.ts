/**
 * How many terminal columns text takes, without a dependency: the East Asian wide and fullwidth blocks (Markus
 * Kuhn's wcwidth ranges: Hangul Jamo, CJK, Hangul syllables, fullwidth forms) and emoji shown as emoji take 2,
 * combining marks 0, anything else 1. Control and format characters never get here: cleanText removed them.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];
const COMBINING = /^[\p{Mn}\p{Me}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

/** The columns of one character (one code point). */
export function charWidth(char: string): number {
  if (COMBINING.test(char)) return 0;
  const code = char.codePointAt(0) ?? 0;
  if (WIDE.some(([from, to]) => code >= from && code <= to) || EMOJI.test(char)) return 2;
  return 1;
}

/** The columns a line takes: its code points, not its UTF-16 units, with wide characters counted twice. */
export function displayWidth(line: string): number {
  let width = 0;
  for (const char of line) width += charWidth(char);
  return width;
}

/**
 * The line cut to at most `width` columns with `…` when it is longer. It goes code point by code point, so a
 * surrogate pair (an emoji) is never split, and a wide character that would not fit is left out whole.
 */
export function fitWidth(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  let kept = '';
  let used = 0;
  for (const char of line) {
    const columns = charWidth(char);
    if (used + columns > width - 1) break;
    kept += char;
    used += columns;
  }
  return `${kept}…`;
}
