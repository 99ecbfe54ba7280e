import { once } from 'node:events';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import { KeptGunzip } from './kept-gunzip';
import { type RecordFilter, valueKeeps, type WatchedKey, watchedKey } from './prefilter';
import type { CloudTrailRecord } from './record';

/** A log file that cannot be read to its end: not gzip, truncated, or not CloudTrail JSON. */
export class LogFileError extends Error {
  constructor(
    message: string,
    /** Records handed out before the problem was found. */
    readonly recordsRead: number,
  ) {
    super(message);
    this.name = 'LogFileUnreadable';
  }
}

/** Options of {@link readLogRecords}. */
export interface ReadOptions {
  /** The pre-filter: records it proves no enabled rule can match are not parsed, only counted. */
  readonly filter?: RecordFilter;
  /** Told how many records the pre-filter skipped (they count in `records` too). */
  readonly onSkipped?: (count: number) => void;
}

/** What reading one file took in. */
export interface ReadStats {
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
}

/** A record larger than this ends the file: it bounds the memory one file can take. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** Records parsed with one `JSON.parse` call, at most: a run of records this long (see `emitBatch`). */
const BATCH_BYTES = 64 * 1024;

/** A gzip body up to this size is read whole and decompressed in one call, which costs far less than a stream. */
export const WHOLE_FILE_MAX_GZIP_BYTES = 1024 * 1024;
/** The most text a whole-file decompression may make; a file announcing or making more is streamed. */
export const WHOLE_FILE_MAX_BYTES = 8 * 1024 * 1024;

/** zlib's output chunk for a streamed body: above the 16 KiB default, so fewer hand-offs from the thread pool. */
const GUNZIP_CHUNK_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

// What the JSON grammar allows next. The splitter checks the syntax of every byte outside strings, so that a
// record the pre-filter skips unparsed is still known to be JSON (string contents are not checked).
/** Before the top object: whitespace or `{`. */
const DOCUMENT = 0;
/** After `:`, or `,` in an array: a value. */
const VALUE = 1;
/** After `[`: a value or `]`. */
const VALUE_OR_END = 2;
/** After `{`: a key or `}`. */
const AFTER_KEY_OR_END = 3;
/** After `,` in an object: a key. */
const KEY = 4;
/** After a key: `:`. */
const COLON_NEXT = 5;
/** After a value: `,` or the end of the object or array. */
const NEXT = 6;
/** After the top object: whitespace only. */
const DONE = 7;
const OBJECT = 1;
const ARRAY = 2;
/** Bytes of a number or literal (a superset: the token is checked by {@link isScalarAt} once whole). */
function isTokenByte(byte: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x2e ||
    byte === 0x45
  );
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** Whether `[from, to)` is `literal`. */
function isLiteral(chunk: Buffer, from: number, to: number, literal: Buffer): boolean {
  if (to - from !== literal.length) return false;
  for (let k = 0; k < literal.length; k++) if (chunk[from + k] !== literal[k]) return false;
  return true;
}

/**
 * Whether the bytes `[from, to)` are a whole number or literal as JSON writes them
 * (`true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), read in place: CloudTrail's records hold a few
 * (`true`, `false`, sizes), and a string and a regular expression for each cost as much as the strings around them.
 */
function isScalarAt(chunk: Buffer, from: number, to: number): boolean {
  const first = chunk[from] as number;
  if (first === 0x74) return isLiteral(chunk, from, to, TRUE);
  if (first === 0x66) return isLiteral(chunk, from, to, FALSE);
  if (first === 0x6e) return isLiteral(chunk, from, to, NULL);
  let k = from;
  if (chunk[k] === 0x2d) k++;
  // Integer part: 0, or a digit 1-9 and more digits.
  if (k === to || !isDigit(chunk[k] as number)) return false;
  if (chunk[k] === 0x30) k++;
  else while (k < to && isDigit(chunk[k] as number)) k++;
  // Fraction: '.' and at least one digit.
  if (k < to && chunk[k] === 0x2e) {
    k++;
    if (k === to || !isDigit(chunk[k] as number)) return false;
    while (k < to && isDigit(chunk[k] as number)) k++;
  }
  // Exponent: 'e' or 'E', a sign or not, and at least one digit.
  if (k < to && (chunk[k] === 0x65 || chunk[k] === 0x45)) {
    k++;
    if (k < to && (chunk[k] === 0x2b || chunk[k] === 0x2d)) k++;
    if (k === to || !isDigit(chunk[k] as number)) return false;
    while (k < to && isDigit(chunk[k] as number)) k++;
  }
  return k === to;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Whether any of the four bytes of `word` is a quote or a backslash: `(x - 0x01010101) & ~x & 0x80808080` is not
 * zero exactly when a byte of `x` is zero, and a byte of `word ^ 0x22222222` is zero where `word` has a quote.
 * Most of a log's bytes are inside strings; this skips them a word at a time.
 */
function hasQuoteOrBackslash(word: number): boolean {
  const quotes = word ^ 0x22222222;
  const backslashes = word ^ 0x5c5c5c5c;
  return ((((quotes - 0x01010101) & ~quotes) | ((backslashes - 0x01010101) & ~backslashes)) & 0x80808080) !== 0;
}

/** Whether the first byte of a word is its lowest (so on every Lambda and CLI platform): the word scan needs it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** {@link closingQuote} ran off the end of the chunk. */
const OPEN_STRING = -1;
/** {@link closingQuote} ran off the end of the chunk right after a backslash: the next chunk's first byte is escaped. */
const OPEN_STRING_ESCAPED = -2;

/**
 * The index of the quote that closes a string whose text starts at `from`, else {@link OPEN_STRING} or
 * {@link OPEN_STRING_ESCAPED}. Only for a string that went on from the previous chunk: the main loop of
 * {@link RecordSplitter.push} has the same loop inline.
 */
function closingQuote(chunk: Buffer, from: number): number {
  const length = chunk.length;
  for (let i = from; i < length; i++) {
    const byte = chunk[i] as number;
    if (byte === QUOTE) return i;
    if (byte === BACKSLASH) {
      i++;
      if (i === length) return OPEN_STRING_ESCAPED;
    }
  }
  return OPEN_STRING;
}

/**
 * Cuts the decompressed text of `{"Records":[{...},{...}]}` into records as it arrives, holding at most one
 * unfinished record between chunks. One pass over the bytes checks the JSON syntax outside strings (string contents
 * are left to `JSON.parse`) and finds where each record ends. Without a pre-filter every record is parsed by
 * `JSON.parse`, one call for each run of up to 64 KiB of records a chunk completes; with one
 * ({@link ReadOptions.filter}) the same pass judges each string as it goes by, and only the records some enabled rule
 * may match are parsed. A chunk that starts on a 4-byte boundary (a whole decompressed file always does) has its
 * strings skipped a word at a time.
 */
export class RecordSplitter {
  private depth = 0;
  /** What the JSON grammar allows next (see the constants above), and the open objects and arrays. */
  private expect = DOCUMENT;
  private readonly stack: number[] = [];
  /** A number or literal cut by the end of the previous chunk. */
  private token = '';
  /** Pre-filter: whether the record being cut must be parsed, and which key the next value belongs to. */
  private recordKeep = true;
  private pendingKey: WatchedKey | undefined;
  /** Pre-filter: 1 for each record in {@link bounds} to parse, 0 for one to skip. */
  private readonly keepFlags: number[] = [];
  /** Pre-filter: a string of the record being cut went on in the next chunk. */
  private cutInRecord = false;
  private inString = false;
  private escaped = false;
  private opened = false;
  private closed = false;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Start and end of each record completed inside the current chunk, in pairs. */
  private readonly bounds: number[] = [];
  private recordCount = 0;
  private byteCount = 0;

  private readonly filter: RecordFilter | undefined;
  private readonly onSkipped: ((count: number) => void) | undefined;

  constructor(
    private readonly onRecord: (record: CloudTrailRecord) => void,
    options: ReadOptions = {},
  ) {
    this.filter = options.filter;
    this.onSkipped = options.onSkipped;
  }

  /** Records handed out so far. */
  get records(): number {
    return this.recordCount;
  }

  /** Bytes taken in so far. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Whether it keeps part of a chunk it was given: the start of a record the next chunk is to finish. */
  get holdsText(): boolean {
    return this.carry.length > 0;
  }

  /**
   * Takes the next piece of the text; hands out every record it completes. Throws {@link LogFileError}.
   * The chunk's bytes are briefly changed and restored while it is parsed; it is not kept beyond an unfinished record.
   */
  push(chunk: Buffer): void {
    this.byteCount += chunk.length;
    const length = chunk.length;
    const bounds = this.bounds;
    bounds.length = 0;
    const keepFlags = this.keepFlags;
    keepFlags.length = 0;
    const filter = this.filter;
    let recordKeep = this.recordKeep;
    let pendingKey = this.pendingKey;
    let depth = this.depth;
    let expect = this.expect;
    const stack = this.stack;
    let recordStart = -1;
    // The chunk as 32-bit words, when it starts on a word boundary (a whole decompressed file always does) and is
    // shorter than 2 GiB (no body hands over such a chunk; one would be read byte by byte).
    const words =
      LITTLE_ENDIAN && (chunk.byteOffset & 3) === 0 && length < 0x80000000
        ? new Int32Array(chunk.buffer, chunk.byteOffset, length >> 2)
        : undefined;
    const wordsEnd = length & ~3;
    let i = 0;
    if (this.inString) {
      const from = this.escaped ? 1 : 0;
      const end = closingQuote(chunk, from);
      if (end < 0) {
        this.escaped = end === OPEN_STRING_ESCAPED;
        if (depth >= 2) this.keep(chunk, -1);
        return;
      }
      this.inString = false;
      this.escaped = false;
      i = end + 1;
    } else if (this.token !== '') {
      let t = 0;
      while (t < length && isTokenByte(chunk[t] as number)) t++;
      this.token += chunk.toString('latin1', 0, t);
      if (t === length) {
        if (depth >= 2) this.keep(chunk, -1);
        return;
      }
      const token = Buffer.from(this.token, 'latin1');
      if (!isScalarAt(token, 0, token.length)) {
        this.invalidAfter(chunk, `bad value ${JSON.stringify(this.token.slice(0, 16))}`);
      }
      this.token = '';
      i = t;
    }
    for (; i < length; i++) {
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        const isKey = expect === AFTER_KEY_OR_END || expect === KEY;
        if (isKey) expect = COLON_NEXT;
        else if (expect === VALUE || expect === VALUE_OR_END) expect = NEXT;
        else if (expect === DOCUMENT) this.failAfter(chunk, 'the file is not a JSON object');
        else if (expect === DONE) this.failAfter(chunk, 'content after the end of the log');
        else this.invalidAfter(chunk, 'unexpected string');
        // The string's text, to its closing quote: inline, because this loop is where the scan spends its time
        // (CloudTrail's strings are short; a call per string, or `indexOf`, cost more than the bytes it skipped).
        const from = i + 1;
        let end = from;
        let escapedString = false;
        if (words !== undefined && from < wordsEnd) {
          // Four bytes at a time while none is a quote or a backslash, from the word that holds the string's first
          // byte, with the bytes before it (the opening quote among them) made zero, which neither test takes for
          // a quote or a backslash. Little-endian: the first byte is the lowest.
          let w = from >> 2;
          let word = (words[w] as number) & (-1 << ((from & 3) << 3));
          while (!hasQuoteOrBackslash(word)) {
            w++;
            if (w << 2 >= wordsEnd) break;
            word = words[w] as number;
          }
          end = w << 2 > from ? w << 2 : from;
        }
        for (; end < length; end++) {
          const inner = chunk[end] as number;
          if (inner === QUOTE) break;
          if (inner === BACKSLASH) {
            escapedString = true;
            end++;
          }
        }
        if (end >= length) {
          this.inString = true;
          // Past the end: the chunk's last byte was a backslash, so the next chunk's first byte is escaped.
          this.escaped = end > length;
          // A string cut by the chunk's end is not looked into here: the whole record is judged again at its end.
          this.cutInRecord = true;
          break;
        }
        if (filter !== undefined && !recordKeep && depth >= 2) {
          if (escapedString) recordKeep = true;
          else if (isKey) pendingKey = watchedKey(chunk, from, end, filter);
          else if (pendingKey !== undefined) {
            recordKeep = valueKeeps(chunk, from, end, pendingKey);
            pendingKey = undefined;
          }
        }
        i = end;
      } else if (byte === COLON) {
        // The bytes after a string, most common first: ':' after a key, ',' after a value.
        if (expect !== COLON_NEXT) this.invalidAfter(chunk, "unexpected ':'");
        expect = VALUE;
      } else if (byte === COMMA) {
        if (expect !== NEXT) this.invalidAfter(chunk, "unexpected ','");
        expect = stack[stack.length - 1] === OBJECT ? KEY : VALUE;
      } else if (byte === OPEN) {
        if (expect === VALUE || expect === VALUE_OR_END) {
          if (depth === 1) {
            recordStart = i;
            recordKeep = filter === undefined;
            pendingKey = undefined;
            this.cutInRecord = false;
          }
        } else if (expect === DOCUMENT) {
          this.opened = true;
        } else if (expect === DONE) {
          this.failAfter(chunk, 'content after the end of the log');
        } else {
          this.invalidAfter(chunk, "unexpected '{'");
        }
        stack.push(OBJECT);
        expect = AFTER_KEY_OR_END;
        depth++;
      } else if (byte === CLOSE) {
        if (expect === DONE) this.failAfter(chunk, 'unbalanced braces');
        if ((expect !== NEXT && expect !== AFTER_KEY_OR_END) || stack.pop() !== OBJECT) {
          this.invalidAfter(chunk, "unexpected '}'");
        }
        expect = stack.length === 0 ? DONE : NEXT;
        depth--;
        if (depth === 1) {
          if (this.carry.length > 0) {
            this.keep(chunk.subarray(0, i + 1), -1);
            const whole = Buffer.concat(this.carry);
            this.carry = [];
            this.carryBytes = 0;
            if (recordKeep || (filter !== undefined && this.cutInRecord && keptWhole(whole, filter))) {
              this.emit(whole.toString('utf8'));
            } else {
              this.skip(1);
            }
          } else {
            bounds.push(recordStart, i + 1);
            keepFlags.push(recordKeep ? 1 : 0);
          }
          recordStart = -1;
        } else if (depth === 0) {
          this.closed = true;
        }
      } else if (byte === OPEN_ARRAY) {
        if (expect !== VALUE && expect !== VALUE_OR_END) {
          if (expect === DONE) this.failAfter(chunk, 'content after the end of the log');
          if (expect === DOCUMENT) this.failAfter(chunk, 'the file is not a JSON object');
          this.invalidAfter(chunk, "unexpected '['");
        }
        stack.push(ARRAY);
        expect = VALUE_OR_END;
      } else if (byte === CLOSE_ARRAY) {
        if (expect === DONE) this.failAfter(chunk, 'unbalanced braces');
        if ((expect !== NEXT && expect !== VALUE_OR_END) || stack.pop() !== ARRAY) {
          this.invalidAfter(chunk, "unexpected ']'");
        }
        expect = NEXT;
      } else if (isJsonWhitespace(byte)) {
        // between tokens: allowed anywhere
      } else if (expect === VALUE || expect === VALUE_OR_END) {
        // A number, true, false or null: checked whole, also when it goes on in the next chunk.
        const from = i;
        while (i < length && isTokenByte(chunk[i] as number)) i++;
        expect = NEXT;
        if (i === length) {
          this.token = chunk.toString('latin1', from, i);
          break;
        }
        // `true` and `false` (most of CloudTrail's scalars) by their first byte and length; anything else in full.
        const size = i - from;
        if (
          !(
            size === 4 &&
            byte === 0x74 &&
            chunk[from + 1] === 0x72 &&
            chunk[from + 2] === 0x75 &&
            chunk[from + 3] === 0x65
          ) &&
          !(
            size === 5 &&
            byte === 0x66 &&
            chunk[from + 1] === 0x61 &&
            chunk[from + 2] === 0x6c &&
            chunk[from + 3] === 0x73 &&
            chunk[from + 4] === 0x65
          ) &&
          !isScalarAt(chunk, from, i)
        ) {
          this.invalidAfter(
            chunk,
            `bad value ${JSON.stringify(chunk.toString('latin1', from, Math.min(i, from + 16)))}`,
          );
        }
        i--;
      } else if (expect === DOCUMENT) {
        this.failAfter(chunk, 'the file is not a JSON object');
      } else if (expect === DONE) {
        this.failAfter(chunk, 'content after the end of the log');
      } else {
        this.invalidAfter(chunk, `unexpected byte 0x${byte.toString(16)}`);
      }
    }
    this.depth = depth;
    this.expect = expect;
    this.recordKeep = recordKeep;
    this.pendingKey = pendingKey;
    if (bounds.length > 0) this.emitBatch(chunk);
    if (depth >= 2) this.keep(chunk, recordStart);
  }

  /** Says the text is complete; throws {@link LogFileError} when it stopped short. */
  end(): void {
    if (!this.opened) this.fail('the file is empty');
    if (!this.closed || this.depth !== 0 || this.inString || this.expect !== DONE) {
      this.fail(`truncated after ${this.recordCount} records`);
    }
  }

  /** Keeps the unfinished record: from `recordStart` when it began in this chunk, else the whole chunk. */
  private keep(chunk: Buffer, recordStart: number): void {
    const rest = recordStart >= 0 ? chunk.subarray(recordStart) : chunk;
    this.carry.push(rest);
    this.carryBytes += rest.length;
    if (this.carryBytes > MAX_RECORD_BYTES) this.fail(`a record is larger than ${MAX_RECORD_BYTES} bytes`);
  }

  /**
   * Parses the records completed inside the chunk, one `JSON.parse` for each run of records of up to
   * {@link BATCH_BYTES} (a whole decompressed file is one chunk: parsed whole, all its records would be held at
   * once). The byte before a run's first record and the byte after its last become `[` and `]` for the call (a
   * wrapped copy of the text parses twice as slowly). A record at either edge of the chunk has no such byte and is
   * parsed alone. When a run does not parse, its records are parsed one by one, so that the good ones are handed out
   * before the file is reported.
   */
  private emitBatch(chunk: Buffer): void {
    if (this.filter) {
      this.emitFiltered(chunk);
      return;
    }
    const bounds = this.bounds;
    let first = 0;
    let last = bounds.length - 2;
    if (bounds[0] === 0) {
      this.emit(chunk.toString('utf8', 0, bounds[1]));
      first = 2;
    }
    const atEnd = last >= first && bounds[last + 1] === chunk.length;
    if (atEnd) last -= 2;
    for (let runStart = first; runStart <= last; ) {
      let runEnd = runStart;
      while (runEnd < last && (bounds[runEnd + 3] as number) - (bounds[runStart] as number) <= BATCH_BYTES) runEnd += 2;
      this.emitRun(chunk, runStart, runEnd);
      runStart = runEnd + 2;
    }
    if (atEnd) this.emit(chunk.toString('utf8', bounds[bounds.length - 2], chunk.length));
  }

  /** Parses the records `bounds[first..last]` (pairs) of the chunk with one `JSON.parse` (see {@link emitBatch}). */
  private emitRun(chunk: Buffer, first: number, last: number): void {
    const bounds = this.bounds;
    const open = (bounds[first] as number) - 1;
    const close = bounds[last + 1] as number;
    const before = chunk[open] as number;
    const after = chunk[close] as number;
    chunk[open] = 0x5b;
    chunk[close] = 0x5d;
    let text: string;
    try {
      text = chunk.toString('utf8', open, close + 1);
    } finally {
      chunk[open] = before;
      chunk[close] = after;
    }
    let parsed: unknown[] | undefined;
    try {
      parsed = JSON.parse(text) as unknown[];
    } catch {
      for (let k = first; k <= last; k += 2) this.emit(chunk.toString('utf8', bounds[k], bounds[k + 1]));
      this.fail(`invalid JSON between records after ${this.recordCount} records`);
    }
    for (const record of parsed) this.handOut(record);
  }

  /**
   * With the pre-filter: parses only the records some enabled rule may match, one by one, and counts the others
   * as skipped. A skipped record is checked only for balanced strings and braces, not parsed.
   */
  private emitFiltered(chunk: Buffer): void {
    const bounds = this.bounds;
    const keep = this.keepFlags;
    let skipped = 0;
    for (let r = 0; r < keep.length; r++) {
      if (keep[r] === 0) {
        skipped++;
        continue;
      }
      if (skipped > 0) this.skip(skipped);
      skipped = 0;
      this.emit(chunk.toString('utf8', bounds[2 * r], bounds[2 * r + 1]));
    }
    if (skipped > 0) this.skip(skipped);
  }

  private skip(count: number): void {
    this.recordCount += count;
    this.onSkipped?.(count);
  }

  private emit(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.fail(`invalid JSON after ${this.recordCount} records (${(error as Error).message})`);
    }
    this.handOut(parsed);
  }

  private handOut(record: unknown): void {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      this.fail(`record ${this.recordCount + 1} is not a JSON object`);
    }
    this.recordCount++;
    this.onRecord(record as CloudTrailRecord);
  }

  /**
   * Fails on a structural error found inside a chunk, after handing out the records the chunk completed before it:
   * one broken byte late in a chunk must not take the good records in front of it along.
   */
  private failAfter(chunk: Buffer, message: string): never {
    if (this.bounds.length > 0) this.emitBatch(chunk);
    this.fail(message);
  }

  /** Fails on bad JSON syntax inside a chunk, after handing out the records the chunk completed before it. */
  private invalidAfter(chunk: Buffer, problem: string): never {
    if (this.bounds.length > 0) this.emitBatch(chunk);
    this.fail(`invalid JSON after ${this.recordCount} records (${problem})`);
  }

  private fail(message: string): never {
    throw new LogFileError(message, this.recordCount);
  }
}

const WHOLE_OPEN = Buffer.from('{"Records":[');
const WHOLE_CLOSE = Buffer.from(']}');

/**
 * Whether the pre-filter keeps a record that was cut across chunks with a string split in two: judged again, whole,
 * in one piece (rare: about one record per chunk).
 */
function keptWhole(record: Buffer, filter: RecordFilter): boolean {
  let kept = false;
  const splitter = new RecordSplitter(
    () => {
      kept = true;
    },
    { filter },
  );
  splitter.push(Buffer.concat([WHOLE_OPEN, record, WHOLE_CLOSE]));
  return kept;
}

/** zlib's errors carry a `Z_...` code. (Not `instanceof Error`: in a test sandbox they come from another realm.) */
function isZlibError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Feeds a body into gunzip with back-pressure; the splitter takes gunzip's output as it comes. */
async function gunzipInto(
  head: Buffer,
  rest: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  splitter: RecordSplitter,
): Promise<void> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (error) {
        gunzip.destroy(error as Error);
      }
    });
    gunzip.once('end', resolve);
    gunzip.once('error', reject);
  });
  let failed = false;
  done.catch(() => {
    failed = true;
  });
  try {
    let chunk: Uint8Array | undefined = head;
    while (chunk && !failed) {
      if (!gunzip.write(chunk)) await Promise.race([once(gunzip, 'drain'), done]);
      if (failed) break;
      const next = await rest.next();
      chunk = next.done ? undefined : next.value;
    }
    // A corrupt file stops the reading of its body at once.
    if (failed) await rest.return?.();
    else gunzip.end();
  } catch (error) {
    gunzip.destroy();
    await rest.return?.();
    throw error;
  }
  await done;
}

/** Streams a gzip body through the splitter; zlib's errors become a {@link LogFileError}. */
async function gunzipStream(
  head: Buffer,
  rest: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
  splitter: RecordSplitter,
): Promise<void> {
  try {
    await gunzipInto(head, rest, splitter);
  } catch (error) {
    if (!isZlibError(error)) throw error;
    const problem =
      (error as { code?: string }).code === 'Z_BUF_ERROR' ? 'truncated: the gzip stream ends early' : 'corrupt gzip';
    throw new LogFileError(`${problem} (${error.message}) after ${splitter.records} records`, splitter.records);
  }
}

/** The text length a gzip file's trailer announces (ISIZE: the length of its last member, modulo 2^32). */
function announcedBytes(body: Buffer): number {
  return body.length < 18 ? 0 : body.readUInt32LE(body.length - 4);
}

/**
 * zlib's output buffer for a whole file: one byte more than the trailer announces, so that one buffer holds the text
 * and zlib, finding room left, allocates no other; at least 16 KiB (a trailer announcing a few bytes, of the last
 * of several gzip members say, must not make zlib work in slices of a few bytes) and at most the bound.
 */
export function wholeOutputBytes(body: Buffer): number {
  return Math.min(Math.max(announcedBytes(body) + 1, 16 * 1024), WHOLE_FILE_MAX_BYTES + 1);
}

/** Whole files' text, decompressed into one buffer kept from file to file (falling back to `gunzipSync`). */
const keptGunzip = new KeptGunzip(WHOLE_FILE_MAX_BYTES + 1);

/**
 * A whole gzip file, decompressed in one call (into {@link keptGunzip}'s buffer, else with `gunzipSync`) and cut in
 * one piece: a stream would send every 64 KiB through the thread pool, a `Transform` and an event, which cost as
 * much CPU as the decompression itself, and that CPU is the scan's budget (a function of 1,769 MB has one vCPU). The
 * trailer only sizes the output buffer ({@link wholeOutputBytes}); the bound is {@link WHOLE_FILE_MAX_BYTES}. When the call fails for any reason (corrupt
 * or truncated gzip, more text than the bound), the file is streamed instead: that hands out the records before a
 * problem and reports it, as a stream always did, and holds one chunk at a time however large the text.
 */
async function inflateWhole(body: Buffer, splitter: RecordSplitter): Promise<void> {
  const outputBytes = wholeOutputBytes(body);
  const kept = keptGunzip.inflate(body, outputBytes);
  if (kept !== undefined) {
    try {
      splitter.push(kept);
    } finally {
      if (splitter.holdsText) keptGunzip.disown();
    }
    return;
  }
  let text: Buffer;
  try {
    text = gunzipSync(body, { chunkSize: outputBytes, maxOutputLength: WHOLE_FILE_MAX_BYTES });
  } catch {
    await gunzipStream(body, [][Symbol.iterator](), splitter);
    return;
  }
  splitter.push(text);
  if (!splitter.holdsText) releaseMemory(text);
}

/**
 * Gives a decompressed file's memory back at once, where the runtime can (`ArrayBuffer.prototype.transfer`, Node.js 22
 * and later, so the Lambda runtime's 24). For `gunzipSync`'s output only: zlib made that memory for the one call, and
 * the checks here (offset 0, larger than Node's shared pool) only rule out what else it could be in this file; a
 * `subarray` of some other buffer would pass them. The text must not be read afterwards: the splitter hands out records
 * as copies and keeps nothing of it (`holdsText`). Left to the garbage collector, which on Node.js 24 frees large
 * buffers late, every file's text took fresh memory, and touching fresh memory cost more than decompressing into it:
 * on Node.js 24 the scan's first pass went from 1.02–1.10 s to 0.59–0.63 s and its peak RSS from 150 to 93–95 MiB
 * (`npm run bench:logs -- --node`, README, "Log scan").
 */
export function releaseMemory(text: Buffer): void {
  const memory = text.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (typeof memory.transfer !== 'function' || text.byteOffset !== 0 || memory.byteLength <= Buffer.poolSize) return;
  try {
    memory.transfer(0);
  } catch {
    // Memory that cannot be detached (a shared or a non-detachable buffer) is left to the collector, as before.
  }
}

/**
 * The body failed (a network error) while its start was being gathered: hands out the records that the part received
 * holds (decompressed as far as it goes when it is gzip), as a stream would have before the failure. Whatever stops
 * this (the part is corrupt, too long, not JSON) only means fewer records handed out; the body's own error is what
 * the caller gets.
 */
function handOutReceived(received: Buffer, splitter: RecordSplitter): void {
  try {
    splitter.push(
      isGzip([received])
        ? gunzipSync(received, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: WHOLE_FILE_MAX_BYTES })
        : received,
    );
  } catch {
    // Fewer records: see above.
  }
}

/** Whether the body's first pieces start with gzip's magic bytes. */
function isGzip(pieces: readonly Buffer[]): boolean {
  const first = pieces[0];
  if (first === undefined) return false;
  const second = first.length > 1 ? first[1] : pieces[1]?.[0];
  return first[0] === 0x1f && second === 0x8b;
}

async function closeBody(iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // Releasing a body that already failed: its first error is the one that counts.
  }
}

/**
 * Reads one log file: body → gunzip → records, handing each record to `onRecord` as soon as it is complete. A gzip
 * body of at most {@link WHOLE_FILE_MAX_GZIP_BYTES} (CloudTrail's files almost always are) is gathered and
 * decompressed whole, in one call, to at most {@link WHOLE_FILE_MAX_BYTES} of text; a longer one is streamed, one
 * chunk and one unfinished record in memory whatever its size. A body that is already decompressed (plain JSON) is
 * read as it arrives. A corrupt or truncated file throws {@link LogFileError} after the records read so far were
 * handed out; errors of the body stream itself (network) are thrown unchanged, after the records the part received
 * holds were handed out.
 */
export async function readLogRecords(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onRecord: (record: CloudTrailRecord) => void,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const splitter = new RecordSplitter(onRecord, options);
  const iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]();
  // The body's start: two bytes tell gzip from plain JSON; a gzip body is gathered whole when it is short enough
  // to decompress in one call, else until it is known to be longer.
  const start: Buffer[] = [];
  let startBytes = 0;
  let ended = false;
  try {
    while (startBytes < 2 || (isGzip(start) && startBytes <= WHOLE_FILE_MAX_GZIP_BYTES)) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      start.push(asBuffer(next.value));
      startBytes += next.value.length;
    }
  } catch (error) {
    handOutReceived(Buffer.concat(start), splitter);
    await closeBody(iterator);
    throw error;
  }
  if (startBytes === 0) throw new LogFileError('the file is empty', 0);
  const head = start.length === 1 ? (start[0] as Buffer) : Buffer.concat(start);

  if (isGzip(start)) {
    if (ended && announcedBytes(head) <= WHOLE_FILE_MAX_BYTES) {
      await inflateWhole(head, splitter);
    } else {
      await gunzipStream(head, iterator, splitter);
    }
  } else {
    try {
      splitter.push(head);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        splitter.push(asBuffer(next.value));
      }
    } catch (error) {
      // Stop reading (and release) the body of a file that cannot be read.
      await closeBody(iterator);
      throw error;
    }
  }
  splitter.end();
  return { records: splitter.records, bytes: splitter.bytes };
}
