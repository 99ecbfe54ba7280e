/**
 * The byte-level pre-filter of the log scan: decides from a record's raw bytes, without parsing it, whether any
 * enabled rule could match it. Each rule declares a necessary condition ({@link RecordNeeds}); a record that meets
 * none of the enabled rules' conditions is provably unmatched and is not parsed. The conditions are on JSON strings,
 * which are their bytes unless escaped, so a record with a backslash in any string, or a string cut by a chunk
 * boundary, is always kept (parsed and judged as before): an escape (`\u0022`, `\/`, `\"`) can never make a
 * matching record look unmatched. Whitespace, key order and keys in nested objects only make it keep more.
 */

/** What a record must contain for a rule to be able to match it (any one of the listed conditions). */
export interface RecordNeeds {
  /** The record's `eventName` is one of these. */
  readonly eventNames?: readonly string[];
  /** The record's `errorCode` is a string for which this is true. */
  readonly errorCode?: (value: string) => boolean;
  /** One of the record's strings (a value, or a key) is one of these. */
  readonly values?: readonly string[];
}

/** The enabled rules' conditions, merged: a record is kept when it meets any of them. */
export interface RecordFilter {
  /** The event names as bytes, by length: compared in place, without making a string per record. */
  readonly namesByLength: ReadonlyMap<number, readonly Buffer[]>;
  readonly errorCodes: readonly ((value: string) => boolean)[];
  readonly valuesByLength: ReadonlyMap<number, readonly Buffer[]>;
}

/**
 * The enabled rules' conditions as the record splitter tests them: it sees every string of a record as it cuts it,
 * so a record is kept when a string has an escape, when the value after an `eventName` key is one of the names,
 * when the value after an `errorCode` key passes a test, or when any string is one of the values.
 */
export function recordFilter(needs: readonly (RecordNeeds | undefined)[]): RecordFilter | undefined {
  const eventNames = new Set<string>();
  const errorCodes: ((value: string) => boolean)[] = [];
  const values = new Set<string>();
  for (const need of needs) {
    if (!need || (!need.eventNames?.length && !need.errorCode && !need.values?.length)) return undefined;
    for (const name of need.eventNames ?? []) eventNames.add(name);
    if (need.errorCode) errorCodes.push(need.errorCode);
    for (const value of need.values ?? []) values.add(value);
  }
  return { namesByLength: byLength(eventNames), errorCodes, valuesByLength: byLength(values) };
}

function byLength(strings: ReadonlySet<string>): ReadonlyMap<number, readonly Buffer[]> {
  const map = new Map<number, Buffer[]>();
  for (const text of strings) {
    const bytes = Buffer.from(text);
    map.set(bytes.length, [...(map.get(bytes.length) ?? []), bytes]);
  }
  return map;
}

/** Whether the bytes `[start, end)` are one of the strings, compared in place. */
export function isOneOf(
  buffer: Buffer,
  start: number,
  end: number,
  strings: ReadonlyMap<number, readonly Buffer[]>,
): boolean {
  const candidates = strings.get(end - start);
  if (!candidates) return false;
  for (const text of candidates) {
    let k = 0;
    while (k < text.length && buffer[start + k] === text[k]) k++;
    if (k === text.length) return true;
  }
  return false;
}

const EVENT_NAME = Buffer.from('eventName');
const ERROR_CODE = Buffer.from('errorCode');
/** What a key string is, for {@link keyKind}. */
export const OTHER_KEY = 0;
export const EVENT_NAME_KEY = 1;
export const ERROR_CODE_KEY = 2;

/** Whether the key `[start, end)` is `eventName`, `errorCode` or another. */
export function keyKind(buffer: Buffer, start: number, end: number): number {
  if (end - start !== 9) return OTHER_KEY;
  let k = 0;
  while (k < 9 && buffer[start + k] === EVENT_NAME[k]) k++;
  if (k === 9) return EVENT_NAME_KEY;
  k = 0;
  while (k < 9 && buffer[start + k] === ERROR_CODE[k]) k++;
  return k === 9 ? ERROR_CODE_KEY : OTHER_KEY;
}

/** Whether the error code `[start, end)` passes one of the filter's tests (Latin-1 keeps ASCII exact). */
export function errorCodeMatches(buffer: Buffer, start: number, end: number, filter: RecordFilter): boolean {
  if (filter.errorCodes.length === 0) return false;
  const code = buffer.toString('latin1', start, end);
  return filter.errorCodes.some((test) => test(code));
}
