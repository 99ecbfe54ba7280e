/**
 * The byte-level pre-filter of the log scan: decides from a record's raw bytes, without parsing it, whether any
 * enabled rule could match it. Each rule declares a necessary condition ({@link RecordNeeds}); a record that meets
 * none of the enabled rules' conditions is provably unmatched and is not parsed. The conditions are on JSON strings,
 * which are their bytes unless escaped, so a record with a backslash in any string, or a string cut by a chunk
 * boundary, is always kept (parsed and judged as before): an escape (`\u0022`, `\/`, `\"`) can never make a
 * matching record look unmatched. Whitespace, key order and keys in nested objects only make it keep more.
 *
 * Every condition is "the string value after key K": the splitter then looks at a string only by its length until a
 * key of a wanted length goes by, which is what makes the filter cheaper than the parse it saves.
 */

/** What a record must contain for a rule to be able to match it (any one of the listed conditions). */
export interface RecordNeeds {
  /** The record's `eventName` is one of these. */
  readonly eventNames?: readonly string[];
  /** The record's `errorCode` is a string for which this is true. */
  readonly errorCode?: (value: string) => boolean;
  /**
   * A string value after one of these keys is one of the listed strings, at any depth of the record (so
   * `{ type: ['Root'] }` is met by `userIdentity.type`, and by any other `type` that says `Root`).
   */
  readonly keyValues?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Strings to look for, as bytes indexed by their length: the common answer (no string of this length) is one array
 * read, with no string made and no hashing.
 */
export type StringsByLength = readonly (readonly Buffer[] | undefined)[];

/** One key the filter watches, and what its string value must be for the record to be kept. */
export interface WatchedKey {
  readonly key: Buffer;
  /** The values that keep the record, by length. */
  readonly values: StringsByLength;
  /** A test that keeps the record when it is true of the value (Latin-1: ASCII exact); `undefined` when none. */
  readonly test: ((value: string) => boolean) | undefined;
}

/** The enabled rules' conditions, merged: a record is kept when it meets any of them. */
export interface RecordFilter {
  /** The watched keys by their length in bytes. */
  readonly keysByLength: readonly (readonly WatchedKey[] | undefined)[];
}

/**
 * The enabled rules' conditions as the record splitter tests them: it sees every string of a record as it cuts it,
 * so a record is kept when a string has an escape, or when the string value after a watched key passes.
 * `undefined` when a rule has no condition: then every record must be parsed.
 */
export function recordFilter(needs: readonly (RecordNeeds | undefined)[]): RecordFilter | undefined {
  const watched = new Map<string, { values: Set<string>; tests: ((value: string) => boolean)[] }>();
  const watch = (key: string) => {
    const entry = watched.get(key) ?? { values: new Set<string>(), tests: [] };
    watched.set(key, entry);
    return entry;
  };
  for (const need of needs) {
    const keyed = Object.entries(need?.keyValues ?? {}).filter(([, list]) => list.length > 0);
    if (!need || (!need.eventNames?.length && !need.errorCode && keyed.length === 0)) return undefined;
    for (const name of need.eventNames ?? []) watch('eventName').values.add(name);
    if (need.errorCode) watch('errorCode').tests.push(need.errorCode);
    for (const [key, list] of keyed) for (const value of list) watch(key).values.add(value);
  }
  const keysByLength: WatchedKey[][] = [];
  for (const [key, { values, tests }] of watched) {
    const bytes = Buffer.from(key);
    // The rule's own function when there is one, so the same function for every filter: the splitter's optimized
    // loop calls it inline, and a new function made for each filter threw that code away at the next scan.
    const test = tests.length <= 1 ? tests[0] : (value: string) => tests.some((one) => one(value));
    keysByLength[bytes.length] = [
      ...(keysByLength[bytes.length] ?? []),
      { key: bytes, values: byLength(values), test },
    ];
  }
  const filter = { keysByLength: dense(keysByLength) };
  selfCheck(filter);
  return filter;
}

const NOTHING = Buffer.alloc(0);

/**
 * Checks that the filter finds each watched key and keeps each value it lists, through the very functions the
 * splitter calls, and judges an empty value. Besides catching a table built wrong, this takes every path of those
 * functions once before the splitter's loop is optimized: the loop inlines them, and a path first taken later (the
 * test of `errorCode`, at the first record that has one) made V8 throw the loop's optimized code away and compile it
 * again, which cost a cold scan about a tenth of its time (README, "Log scan").
 */
function selfCheck(filter: RecordFilter): void {
  for (const candidates of filter.keysByLength) {
    for (const watched of candidates ?? []) {
      const found = watchedKey(watched.key, 0, watched.key.length, filter) === watched;
      const values = watched.values.flatMap((list) => list ?? []);
      if (!found || !values.every((value) => valueKeeps(value, 0, value.length, watched))) {
        throw new Error(
          `the log scan's pre-filter does not find what it was built from (key ${watched.key.toString()})`,
        );
      }
      valueKeeps(NOTHING, 0, 0, watched);
    }
  }
  if (watchedKey(NOTHING, 0, 0, filter) !== undefined)
    throw new Error("the log scan's pre-filter watches an empty key");
}

/**
 * A dense array (no holes), so that a read at any length is a plain `undefined`, never a prototype lookup; never
 * empty, so that every table has the same hidden class (an empty array has another, and meeting it in the
 * splitter's loop, which inlines these lookups, threw the loop's optimized code away).
 */
function dense<T>(table: T[]): (T | undefined)[] {
  return Array.from({ length: Math.max(table.length, 1) }, (_, index) => table[index]);
}

function byLength(strings: ReadonlySet<string>): StringsByLength {
  const table: Buffer[][] = [];
  for (const text of strings) {
    const bytes = Buffer.from(text);
    table[bytes.length] = [...(table[bytes.length] ?? []), bytes];
  }
  return dense(table);
}

/** Whether the bytes `[start, end)` equal `text`. */
function bytesEqual(buffer: Buffer, start: number, end: number, text: Buffer): boolean {
  if (end - start !== text.length) return false;
  let k = 0;
  while (k < text.length && buffer[start + k] === text[k]) k++;
  return k === text.length;
}

/** Whether the bytes `[start, end)` are one of the strings, compared in place. */
function isOneOf(buffer: Buffer, start: number, end: number, strings: StringsByLength): boolean {
  // Bounds first: a read past the end of an array is a slow path in V8, and most strings are longer than any wanted.
  const size = end - start;
  if (size >= strings.length) return false;
  const candidates = strings[size];
  if (candidates === undefined) return false;
  for (const text of candidates) if (bytesEqual(buffer, start, end, text)) return true;
  return false;
}

/** The watched key the key string `[start, end)` is, if any. */
export function watchedKey(buffer: Buffer, start: number, end: number, filter: RecordFilter): WatchedKey | undefined {
  const size = end - start;
  if (size >= filter.keysByLength.length) return undefined;
  const candidates = filter.keysByLength[size];
  if (candidates === undefined) return undefined;
  for (const watched of candidates) if (bytesEqual(buffer, start, end, watched.key)) return watched;
  return undefined;
}

/** Whether the string value `[start, end)` after a watched key keeps the record. */
export function valueKeeps(buffer: Buffer, start: number, end: number, watched: WatchedKey): boolean {
  if (isOneOf(buffer, start, end, watched.values)) return true;
  return watched.test?.(buffer.toString('latin1', start, end)) === true;
}
