/**
 * The byte-level pre-filter of the log scan: decides from a record's raw bytes, without parsing it, whether any
 * enabled rule could match it. Each rule declares a necessary condition ({@link RecordNeeds}); a record that meets
 * none of the enabled rules' conditions is provably unmatched and is not parsed. The conditions are on JSON string
 * values, which appear literally in the bytes unless escaped, so a record with a backslash anywhere is always
 * kept (parsed and judged as before): an escape (`\u0022`, `\/`, `\"`) can never make a matching record look
 * unmatched. Whitespace between a key and its value and keys in other objects or orders are accepted.
 */

/** What a record must contain for a rule to be able to match it (any one of the listed conditions). */
export interface RecordNeeds {
  /** The record's `eventName` is one of these. */
  readonly eventNames?: readonly string[];
  /** The record's `errorCode` is a string for which this is true. */
  readonly errorCode?: (value: string) => boolean;
  /** One of these strings occurs in the record's bytes (write them as they appear in JSON, quotes included). */
  readonly contains?: readonly string[];
}

/** The enabled rules' conditions, merged: a record is kept when it meets any of them. */
export interface RecordFilter {
  readonly eventNames: ReadonlySet<string>;
  /** The event names as bytes, by length: compared in place, without making a string per record. */
  readonly namesByLength: ReadonlyMap<number, readonly Buffer[]>;
  readonly errorCodes: readonly ((value: string) => boolean)[];
  readonly contains: readonly Buffer[];
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;
const EVENT_NAME_KEY = Buffer.from('"eventName"');
const ERROR_CODE_KEY = Buffer.from('"errorCode"');

/**
 * The filter for the enabled rules, or undefined (parse every record) when some rule declares no needs: a rule
 * that says nothing about what it looks at may look at anything.
 */
export function recordFilter(needs: readonly (RecordNeeds | undefined)[]): RecordFilter | undefined {
  const eventNames = new Set<string>();
  const errorCodes: ((value: string) => boolean)[] = [];
  const contains = new Set<string>();
  for (const need of needs) {
    if (!need || (!need.eventNames?.length && !need.errorCode && !need.contains?.length)) return undefined;
    for (const name of need.eventNames ?? []) eventNames.add(name);
    if (need.errorCode) errorCodes.push(need.errorCode);
    for (const text of need.contains ?? []) contains.add(text);
  }
  const namesByLength = new Map<number, Buffer[]>();
  for (const name of eventNames) {
    const bytes = Buffer.from(name);
    namesByLength.set(bytes.length, [...(namesByLength.get(bytes.length) ?? []), bytes]);
  }
  return { eventNames, namesByLength, errorCodes, contains: [...contains].map((text) => Buffer.from(text)) };
}

function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Where the string value of the key whose closing quote is at `after - 1` lies, as `[start, end)` inside `limit`,
 * when what follows is `: "value"` (with any JSON whitespace); undefined when the key is not followed by a string
 * (then it is not a key, or its value is no string).
 */
function stringValueAt(buffer: Buffer, after: number, limit: number): [number, number] | undefined {
  let i = after;
  while (i < limit && isJsonWhitespace(buffer[i])) i++;
  if (buffer[i] !== COLON) return undefined;
  i++;
  while (i < limit && isJsonWhitespace(buffer[i])) i++;
  if (i >= limit || buffer[i] !== QUOTE) return undefined;
  const close = buffer.indexOf(QUOTE, i + 1);
  if (close < 0 || close >= limit) return undefined;
  return [i + 1, close];
}

/** Whether the bytes `[start, end)` are one of the names, compared in place (the names are ASCII). */
function isOneOf(
  buffer: Buffer,
  start: number,
  end: number,
  byLength: ReadonlyMap<number, readonly Buffer[]>,
): boolean {
  const candidates = byLength.get(end - start);
  if (!candidates) return false;
  for (const name of candidates) {
    let k = 0;
    while (k < name.length && buffer[start + k] === name[k]) k++;
    if (k === name.length) return true;
  }
  return false;
}

/**
 * One pass over the records for one needle: marks every record that holds it (and passes `test`, given the
 * needle's position), jumping to the next record after a mark.
 */
function markPass(
  buffer: Buffer,
  bounds: readonly number[],
  keep: Uint8Array,
  needle: Buffer | number,
  test?: (position: number, end: number) => boolean,
): void {
  const records = keep.length;
  let r = 0;
  let position = buffer.indexOf(needle, bounds[0]);
  while (position >= 0 && r < records) {
    while (r < records && (bounds[2 * r + 1] as number) <= position) r++;
    if (r >= records) return;
    const start = bounds[2 * r] as number;
    const end = bounds[2 * r + 1] as number;
    if (position < start || keep[r] === 1) {
      position = buffer.indexOf(needle, keep[r] === 1 ? end : start);
      continue;
    }
    if (!test || test(position, end)) {
      keep[r] = 1;
      r++;
      position = buffer.indexOf(needle, end);
    } else {
      position = buffer.indexOf(needle, position + 1);
    }
  }
}

/**
 * Which of the records at `bounds` (start and end offsets in `buffer`, in pairs, in order, not overlapping) must
 * be parsed: 1 for a record some enabled rule may match or that holds a backslash, 0 for one no rule can match.
 */
export function recordsToParse(buffer: Buffer, bounds: readonly number[], filter: RecordFilter): Uint8Array {
  const keep = new Uint8Array(bounds.length >> 1);
  if (keep.length === 0) return keep;
  markPass(buffer, bounds, keep, BACKSLASH);
  if (filter.eventNames.size > 0) {
    markPass(buffer, bounds, keep, EVENT_NAME_KEY, (position, end) => {
      const value = stringValueAt(buffer, position + EVENT_NAME_KEY.length, end);
      return value !== undefined && isOneOf(buffer, value[0], value[1], filter.namesByLength);
    });
  }
  if (filter.errorCodes.length > 0) {
    markPass(buffer, bounds, keep, ERROR_CODE_KEY, (position, end) => {
      const value = stringValueAt(buffer, position + ERROR_CODE_KEY.length, end);
      if (value === undefined) return false;
      // Latin-1 keeps ASCII exact; other bytes never make an ASCII error code.
      const code = buffer.toString('latin1', value[0], value[1]);
      return filter.errorCodes.some((test) => test(code));
    });
  }
  for (const needle of filter.contains) markPass(buffer, bounds, keep, needle);
  return keep;
}
