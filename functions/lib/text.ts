/** The longest text taken from a record, a key or an error into a finding, a message, a Fail cause or a terminal. */
export const MAX_TEXT = 512;

// Terminal escape sequences, whole, so that none leaves its parameters behind as text ("[31m"): first the string
// sequences (OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ or their C1 forms) with their terminator (BEL, ESC \\ or ST), then
// CSI (ESC [ or its C1 form) with its parameter, intermediate and final bytes, then any other ESC with its
// intermediate and final byte. A string sequence without its terminator loses only its introducer (the last
// alternative), so that an unterminated one cannot hide the rest of the text. A payload stops at the next introducer:
// however many there are, each character is looked at a bounded number of times.
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u0090\u0098\u009c-\u009f]*(?:\u0007|\u001b\\|\u009c)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;

// C0 and C1 controls (tab, newline included), DEL, the Unicode line and paragraph separators (a line break in JSON
// and in some terminals), and the format characters that reorder or hide text (the Arabic letter mark, bidi marks,
// embeddings, overrides and isolates, zero-width characters, the BOM).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

/**
 * Text from outside (a CloudTrail record, an S3 key, an error message) made safe to show: terminal escape sequences
 * (whole), control and bidi characters become a space, runs of white space fold to one, and anything longer than
 * `max` characters is cut with `…`. Non-strings become '' (undefined, null) or their JSON.
 */
export function cleanText(value: unknown, max: number = MAX_TEXT): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : safeJson(value);
  // Cut first (with room for what the fold may save) so that a 4 MB string is never scanned whole.
  if (text.length > max * 4) text = text.slice(0, max * 4);
  text = text.replace(ESCAPE_SEQUENCE, ' ').replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Like {@link cleanText}, but undefined stays undefined: for optional fields. */
export function cleanOptional(value: unknown, max: number = MAX_TEXT): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = cleanText(value, max);
  return text === '' ? undefined : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
