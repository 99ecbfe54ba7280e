import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KeptGunzip } from '../../../functions/cloudtrail/kept-gunzip';
import {
  LogFileError,
  MAX_RECORD_BYTES,
  RecordSplitter,
  readLogRecords,
  releaseMemory,
  WHOLE_FILE_MAX_BYTES,
  WHOLE_FILE_MAX_GZIP_BYTES,
} from '../../../functions/cloudtrail/log-reader';
import type { CloudTrailRecord } from '../../../functions/cloudtrail/record';
import { ctRecord, logFile } from './helpers';

/** Records whose strings hold everything that could confuse a brace counter. */
const TRICKY = [
  ctRecord({ eventID: 'a', requestParameters: { text: 'braces } { and ] [ in a string', quote: 'say "hi"' } }),
  ctRecord({ eventID: 'b', requestParameters: { backslash: 'C:\\path\\', both: '\\"}' } }),
  ctRecord({ eventID: 'c', requestParameters: { unicode: 'Zürich — 東京 — 🚀', nested: { deep: [{ x: '}' }] } } }),
  ctRecord({ eventID: 'd', requestParameters: null, responseElements: { list: [1, 2, { y: '{{{' }] } }),
];

function pieces(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < buffer.length; offset += size) out.push(buffer.subarray(offset, offset + size));
  return out;
}

async function readAll(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
  const records: CloudTrailRecord[] = [];
  const stats = await readLogRecords(body, (record) => records.push(record));
  return { records, stats };
}

/**
 * `count` generated log files from a fixed-seed generator: strings with quotes, backslashes, braces and multi-byte
 * characters, the first record padded with `padBytes`; each with the size of the pieces its body comes in.
 */
function generatedFiles(count: number, padBytes: number) {
  let seed = 4_242;
  const next = (below: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return (seed >>> 8) % below;
  };
  const alphabet = ['a', '"', '\\', '}', '{', ']', ',', ':', 'é', '東', '🚀'];
  const text = () => Array.from({ length: next(300) }, () => alphabet[next(alphabet.length)]).join('');
  return Array.from({ length: count }, (_, file) => {
    const many = Array.from({ length: 1 + next(60) }, (_, n) =>
      ctRecord({
        eventID: `f${file}r${n}`,
        userAgent: text(),
        requestParameters: n === 0 && padBytes > 0 ? { value: text(), pad: 'p'.repeat(padBytes) } : { value: text() },
      }),
    );
    return { many, body: gzipSync(JSON.stringify({ Records: many })), pieceBytes: 1 + next(64 * 1024) };
  });
}

describe('readLogRecords', () => {
  test('streams the records of a gzipped log file', async () => {
    // Arrange
    const text = JSON.stringify({ Records: TRICKY });

    // Act
    const { records, stats } = await readAll(Readable.from(pieces(gzipSync(text), 100)));

    // Assert
    expect(records).toEqual(JSON.parse(text).Records);
    expect(stats).toEqual({ records: 4, bytes: Buffer.byteLength(text) });
  });

  test.each([1, 2, 3, 7, 64, 333, 4096])('gives the same records whatever the chunk size (%d bytes)', async (size) => {
    // Arrange: the splitter sees the decompressed text; feed it directly in chunks of every size.
    const text = Buffer.from(JSON.stringify({ Records: TRICKY }, null, size % 2 === 0 ? 0 : 2));
    const records: CloudTrailRecord[] = [];
    const splitter = new RecordSplitter((record) => records.push(record));

    // Act
    for (const chunk of pieces(text, size)) splitter.push(chunk);
    splitter.end();

    // Assert
    expect(records.map((record) => record.eventID)).toEqual(['a', 'b', 'c', 'd']);
    expect(records).toEqual(JSON.parse(text.toString()).Records);
  });

  test('leaves the chunks it was given as they were', () => {
    const text = Buffer.from(JSON.stringify({ Records: TRICKY }));
    const copy = Buffer.from(text);

    const splitter = new RecordSplitter(() => undefined);
    for (const chunk of pieces(text, 50)) splitter.push(chunk);

    expect(text.equals(copy)).toBe(true);
  });

  test('an empty Records list is a readable file with no records', async () => {
    const { records, stats } = await readAll([gzipSync('{"Records":[]}')]);

    expect(records).toEqual([]);
    expect(stats.records).toBe(0);
  });

  test('reads a body that is already decompressed', async () => {
    const { records } = await readAll([Buffer.from(JSON.stringify({ Records: TRICKY }))]);

    expect(records).toHaveLength(4);
  });

  test('a truncated file is unreadable, after the records before the cut were handed out', async () => {
    // Arrange
    const many = Array.from({ length: 400 }, (_, i) => ctRecord({ eventID: `e${i}`, userAgent: `agent-${i * 7919}` }));
    const body = logFile(many);
    const cut = body.subarray(0, Math.floor(body.length * 0.6));

    // Act
    const seen: CloudTrailRecord[] = [];
    const error = await readLogRecords([cut], (record) => seen.push(record)).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(LogFileError);
    expect((error as LogFileError).name).toBe('LogFileUnreadable');
    expect((error as LogFileError).message).toMatch(/gzip|truncated/);
    expect(seen.length).toBeGreaterThan(0);
    expect((error as LogFileError).recordsRead).toBe(seen.length);
  });

  test('a file cut at the end of the gzip stream but inside the JSON is truncated', async () => {
    const text = JSON.stringify({ Records: TRICKY });

    const error = await readAll([gzipSync(text.slice(0, text.length - 10))]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toBe('truncated after 3 records');
  });

  test('bytes that are not gzip nor JSON are unreadable', async () => {
    const error = await readAll([Buffer.from('<Error><Code>AccessDenied</Code></Error>')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toMatch(/not a JSON object/);
  });

  test('gzip with a bad record hands out the good records before it', async () => {
    const good = JSON.stringify(TRICKY.slice(0, 2)).slice(1, -1);
    const body = gzipSync(`{"Records":[${good},{"eventVersion":"1.09","eventTime":}]}`);

    const seen: CloudTrailRecord[] = [];
    const error = await readLogRecords([body], (record) => seen.push(record)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toMatch(/^invalid JSON after 2 records/);
    expect(seen.map((record) => record.eventID)).toEqual(['a', 'b']);
  });

  test.each([
    ['unbalanced braces', '}', 'unbalanced braces'],
    ['content after the end of the log', ' x', 'content after the end of the log'],
    ['a second log after the first', '{"Records":[]}', 'content after the end of the log'],
  ])(
    'records completed in the same chunk as a later structural error (%s) are handed out first',
    async (_name, tail, message) => {
      // Arrange: one 64 KiB gunzip chunk holds the good records and the error after them.
      const good = JSON.stringify(TRICKY).slice(1, -1);
      const body = gzipSync(`{"Records":[${good}]}${tail}`);
      const seen: CloudTrailRecord[] = [];

      // Act
      const error = await readLogRecords([body], (record) => seen.push(record)).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(LogFileError);
      expect((error as Error).message).toBe(message);
      expect((error as LogFileError).recordsRead).toBe(4);
      expect(seen.map((record) => record.eventID)).toEqual(['a', 'b', 'c', 'd']);
    },
  );

  test('an empty body is unreadable', async () => {
    const error = await readAll([]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toBe('the file is empty');
  });

  test('content after the end of the log is unreadable', async () => {
    const error = await readAll([gzipSync('{"Records":[]}{"Records":[]}')]).catch((e: unknown) => e);

    expect((error as Error).message).toBe('content after the end of the log');
  });

  test('a record larger than the limit ends the file, holding no more than the limit', async () => {
    const huge = `{"Records":[{"eventVersion":"1.09","blob":"${'x'.repeat(MAX_RECORD_BYTES)}"}]}`;

    const error = await readAll([gzipSync(huge)]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toMatch(/larger than/);
  });

  test('a failing body stream is not a corrupt file: its error is thrown as is', async () => {
    // Arrange
    const network = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    async function* body() {
      yield gzipSync(JSON.stringify({ Records: TRICKY })).subarray(0, 20);
      throw network;
    }

    // Act
    const error = await readAll(body()).catch((e: unknown) => e);

    // Assert
    expect(error).toBe(network);
  });

  describe('a whole file in one call, else streamed', () => {
    const ids = (records: readonly CloudTrailRecord[]) => records.map((record) => record.eventID);

    // zlib itself, as log-reader.ts calls it: `gunzipSync` is spied on to see which path a body took.
    const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    afterEach(() => jest.restoreAllMocks());

    /** A stored (level 0) gzip body of exactly `size` bytes: its records padded until the length is right. */
    function gzipOfSize(size: number): Buffer {
      let pad = size;
      for (let attempt = 0; attempt < 8; attempt++) {
        const body = logFile([ctRecord({ eventID: 'sized', userAgent: 'p'.repeat(Math.max(0, pad)) })], 0);
        if (body.length === size) return body;
        pad -= body.length - size;
      }
      throw new Error(`no stored gzip body of ${size} bytes`);
    }

    test('a small gzip file is decompressed in one call, into the buffer kept from file to file', async () => {
      // Arrange
      const many = Array.from({ length: 100 }, (_, i) => ctRecord({ eventID: `e${i}` }));
      const text = JSON.stringify({ Records: many });
      const kept = jest.spyOn(KeptGunzip.prototype, 'inflate');
      const sync = jest.spyOn(zlib, 'gunzipSync');

      // Act
      const first = await readAll(pieces(gzipSync(text), 1000));
      const second = await readAll([gzipSync(JSON.stringify({ Records: many.slice(0, 3) }))]);

      // Assert
      expect(ids(first.records)).toEqual(ids(many));
      expect(ids(second.records)).toEqual(['e0', 'e1', 'e2']);
      expect(kept).toHaveBeenCalledTimes(2);
      expect(kept.mock.calls[0]?.[1]).toBe(Buffer.byteLength(text) + 1);
      const texts = kept.mock.results.map((result) => result.value as Buffer);
      expect(texts[0]?.length).toBe(Buffer.byteLength(text));
      expect(texts[1]?.buffer).toBe(texts[0]?.buffer);
      expect(sync).not.toHaveBeenCalled();
    });

    test('the same records as JSON.parse from 300 generated files, one after another in the kept buffer', async () => {
      // Arrange
      const files = generatedFiles(300, 0);
      const kept = jest.spyOn(KeptGunzip.prototype, 'inflate');
      for (const { many, body, pieceBytes } of files) {
        // Act
        const { records } = await readAll(pieces(body, pieceBytes));

        // Assert
        expect(records).toEqual(JSON.parse(JSON.stringify(many)));
      }
      const texts = kept.mock.results.map((result) => result.value as Buffer | undefined);
      expect(texts).toHaveLength(300);
      expect(texts.every((text) => text !== undefined)).toBe(true);
      // A new buffer only when a file's text was longer than any before it, and then at least twice the last.
      expect(new Set(texts.map((text) => text?.buffer)).size).toBeLessThan(8);
    });

    test('without the kept buffer, one gunzipSync call into one buffer one byte longer than its text', async () => {
      // Arrange
      const many = Array.from({ length: 100 }, (_, i) => ctRecord({ eventID: `e${i}` }));
      const text = JSON.stringify({ Records: many });
      jest.spyOn(KeptGunzip.prototype, 'inflate').mockReturnValue(undefined);
      const whole = jest.spyOn(zlib, 'gunzipSync');

      // Act
      const { records } = await readAll(pieces(gzipSync(text), 1000));

      // Assert
      expect(ids(records)).toEqual(ids(many));
      expect(whole).toHaveBeenCalledTimes(1);
      expect(whole.mock.calls[0]?.[1]).toMatchObject({ chunkSize: Buffer.byteLength(text) + 1 });
    });

    test('a file whose JSON stops inside a record keeps its buffer: the next file, read meanwhile, gets another', async () => {
      // Arrange: the cut file's unfinished record stays with its splitter until the reader ends it, after an await
      // in which the other file is decompressed.
      const cutText = JSON.stringify({ Records: [ctRecord({ eventID: 'first' }), ctRecord({ eventID: 'second' })] });
      const cut = gzipSync(cutText.slice(0, cutText.indexOf('second') + 3));
      const many = Array.from({ length: 50 }, (_, i) => ctRecord({ eventID: `e${i}`, userAgent: 'x'.repeat(500) }));
      const disown = jest.spyOn(KeptGunzip.prototype, 'disown');

      // Act
      const [cutResult, whole] = await Promise.all([
        readAll([cut]).catch((caught: unknown) => caught),
        readAll([gzipSync(JSON.stringify({ Records: many }))]),
      ]);

      // Assert
      expect(cutResult).toBeInstanceOf(LogFileError);
      expect((cutResult as LogFileError).recordsRead).toBe(1);
      expect((cutResult as LogFileError).message).toMatch(/after 1 records/);
      expect(ids(whole.records)).toEqual(ids(many));
      expect(disown).toHaveBeenCalledTimes(1);
    });

    describe("a whole file's memory is given back once its records are out", () => {
      // `ArrayBuffer.prototype.transfer` exists from Node.js 22 (the Lambda runtime) and not on this Node.js 20: it is
      // put in place as 22 has it (it detaches the buffer's memory), counting what it detaches. On the prototype of
      // the ArrayBuffers Buffer makes, which in a test sandbox is another realm's.
      type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
      const prototype = Object.getPrototypeOf(Buffer.alloc(0).buffer) as Transferable;
      const native = prototype.transfer;
      const detached: ArrayBuffer[] = [];
      beforeEach(() => {
        // The text is gunzipSync's only when the kept buffer cannot take it (see the tests above).
        jest.spyOn(KeptGunzip.prototype, 'inflate').mockReturnValue(undefined);
        detached.length = 0;
        Object.defineProperty(prototype, 'transfer', {
          configurable: true,
          writable: true,
          value(this: ArrayBuffer, length: number) {
            detached.push(this);
            if (native) return native.call(this, length);
            structuredClone(this, { transfer: [this] });
            return new ArrayBuffer(length);
          },
        });
      });
      afterEach(() => {
        if (native) Object.defineProperty(prototype, 'transfer', { configurable: true, writable: true, value: native });
        else delete prototype.transfer;
      });

      test('the text of a file read whole, after every record was handed out intact', async () => {
        // Arrange
        const many = Array.from({ length: 100 }, (_, i) => ctRecord({ eventID: `e${i}` }));

        // Act
        const { records } = await readAll(pieces(gzipSync(JSON.stringify({ Records: many })), 1000));

        // Assert
        expect(records).toEqual(JSON.parse(JSON.stringify(many)));
        expect(detached).toHaveLength(1);
        expect(detached[0]?.byteLength).toBe(0);
      });

      test('not while the splitter holds part of it: a file whose JSON stops inside a record is still reported', async () => {
        // Arrange: valid gzip of JSON cut in the middle of the second record.
        const text = JSON.stringify({ Records: [ctRecord({ eventID: 'first' }), ctRecord({ eventID: 'second' })] });
        const body = gzipSync(text.slice(0, text.indexOf('second') + 3));

        // Act
        const error = await readAll([body]).catch((caught: unknown) => caught);

        // Assert
        expect(error).toBeInstanceOf(LogFileError);
        expect((error as LogFileError).recordsRead).toBe(1);
        expect(detached).toEqual([]);
      });

      test.each([
        ["the first slice of Node's shared pool", () => Buffer.from(new ArrayBuffer(Buffer.poolSize), 0, 100)],
        ['a view that does not start its memory', () => Buffer.alloc(64 * 1024).subarray(1)],
      ])('never %s, whose memory other buffers may use', (_name, make) => {
        // Act
        releaseMemory(make());

        // Assert
        expect(detached).toEqual([]);
      });

      test('the same records as JSON.parse from 300 generated files, each released after it is read', async () => {
        // Arrange: generated files padded past 64 KiB, since Node.js 24's gunzipSync copies a shorter text into its
        // shared pool, which is never released.
        const files = generatedFiles(300, 66_000);
        for (const [file, { many, body, pieceBytes }] of files.entries()) {
          // Act
          const { records } = await readAll(pieces(body, pieceBytes));

          // Assert
          expect(records).toEqual(JSON.parse(JSON.stringify(many)));
          expect(detached).toHaveLength(file + 1);
        }
      });
    });

    test.each([
      ['exactly the whole-file limit is decompressed whole', 0, 'whole'],
      ['one byte over it is streamed', 1, 'streamed'],
    ])('a gzip body of %s', async (_name, over, path) => {
      // Arrange
      const body = gzipOfSize(WHOLE_FILE_MAX_GZIP_BYTES + over);
      const whole = jest.spyOn(KeptGunzip.prototype, 'inflate');

      // Act
      const { records } = await readAll(pieces(body, 64 * 1024));

      // Assert
      expect(ids(records)).toEqual(['sized']);
      expect(whole).toHaveBeenCalledTimes(path === 'whole' ? 1 : 0);
    });

    test.each([
      ['gzip', (text: string) => gzipSync(text)],
      ['plain JSON', (text: string) => Buffer.from(text)],
    ])(
      'a %s body that fails part way hands out the records it delivered, then throws its own error',
      async (_kind, encode) => {
        // Arrange: a network error after 300,000 bytes (a gzip body the whole-file path would have gathered whole).
        const many = Array.from({ length: 3000 }, (_, i) =>
          ctRecord({ eventID: `e${i}`, userAgent: randomBytes(40).toString('hex') }),
        );
        const body = encode(JSON.stringify({ Records: many }));
        const cut = Math.min(300_000, Math.floor(body.length / 2));
        const network = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        let released = false;
        const failing: AsyncIterable<Uint8Array> = {
          [Symbol.asyncIterator]() {
            const chunks = pieces(body.subarray(0, cut), 16 * 1024);
            return {
              next: async () => {
                const chunk = chunks.shift();
                if (chunk) return { done: false, value: chunk };
                throw network;
              },
              return: async () => {
                released = true;
                return { done: true, value: undefined };
              },
            };
          },
        };
        const seen: CloudTrailRecord[] = [];

        // Act
        const error = await readLogRecords(failing, (record) => seen.push(record)).catch((e: unknown) => e);

        // Assert
        expect(error).toBe(network);
        expect(seen.length).toBeGreaterThan(100);
        expect(ids(seen)).toEqual(ids(many.slice(0, seen.length)));
        expect(released).toBe(true);
      },
    );

    test('a body that is neither gzip nor JSON is refused after its first piece, not after a megabyte', async () => {
      // Arrange
      let pulled = 0;
      function* page() {
        for (let n = 0; n < 200; n++) {
          pulled++;
          yield Buffer.from(`<html>${'x'.repeat(16 * 1024)}</html>`);
        }
      }

      // Act
      const error = await readAll(page()).catch((e: unknown) => e);

      // Assert
      expect((error as Error).message).toMatch(/not a JSON object/);
      expect(pulled).toBe(1);
    });

    test('a gzip body longer than the whole-file limit is streamed, with the same records', async () => {
      // Arrange: text that does not compress, so that the body itself is long.
      const many = Array.from({ length: 1800 }, (_, i) =>
        ctRecord({ eventID: `e${i}`, userAgent: randomBytes(600).toString('hex') }),
      );
      const body = logFile(many);
      expect(body.length).toBeGreaterThan(WHOLE_FILE_MAX_GZIP_BYTES);

      // Act
      const { records, stats } = await readAll(pieces(body, 64 * 1024));

      // Assert
      expect(ids(records)).toEqual(ids(many));
      expect(stats).toEqual({ records: 1800, bytes: Buffer.byteLength(JSON.stringify({ Records: many })) });
    });

    test('a short body that holds more text than the whole-file bound is streamed: every record is read', async () => {
      // Arrange
      const many = Array.from({ length: 9 * 1024 }, (_, i) =>
        ctRecord({ eventID: `e${i}`, userAgent: 'a'.repeat(1000) }),
      );
      const body = logFile(many);
      expect(body.length).toBeLessThan(WHOLE_FILE_MAX_GZIP_BYTES);
      expect(Buffer.byteLength(JSON.stringify({ Records: many }))).toBeGreaterThan(WHOLE_FILE_MAX_BYTES);

      // Act
      const { records } = await readAll([body]);

      // Assert
      expect(ids(records)).toEqual(ids(many));
    });

    test('a trailer that announces less than the body holds (two gzip members) does not cut the text', async () => {
      // Arrange: the trailer read as a size hint is the last member's: a few bytes, for more than the whole-file bound.
      const many = Array.from({ length: 9 * 1024 }, (_, i) =>
        ctRecord({ eventID: `e${i}`, userAgent: 'b'.repeat(1000) }),
      );
      const text = JSON.stringify({ Records: many });
      const body = Buffer.concat([gzipSync(text.slice(0, -2)), gzipSync(text.slice(-2))]);

      // Act
      const { records, stats } = await readAll([body]);

      // Assert
      expect(ids(records)).toEqual(ids(many));
      expect(stats.bytes).toBe(Buffer.byteLength(text));
    });

    test('a trailer whose length is wrong is a corrupt file, not a shorter one', async () => {
      // Arrange
      const body = Buffer.from(logFile(TRICKY));
      body.writeUInt32LE(10, body.length - 4);
      const seen: CloudTrailRecord[] = [];

      // Act
      const error = await readLogRecords([body], (record) => seen.push(record)).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(LogFileError);
      expect((error as Error).message).toMatch(/^corrupt gzip \(incorrect length check\) after \d+ records$/);
      expect((error as LogFileError).recordsRead).toBe(seen.length);
    });

    test('without the pre-filter, a whole file is parsed in runs: the records come out in order, each once', () => {
      // Arrange: one chunk of many runs of records, as a whole decompressed file is.
      const many = Array.from({ length: 2000 }, (_, i) => ctRecord({ eventID: `e${i}`, userAgent: `agent-${i}` }));
      const text = Buffer.from(JSON.stringify({ Records: many }));
      const seen: CloudTrailRecord[] = [];
      const splitter = new RecordSplitter((record) => seen.push(record));

      // Act
      splitter.push(text);
      splitter.end();

      // Assert
      expect(text.length).toBeGreaterThan(8 * 64 * 1024);
      expect(seen).toEqual(many);
    });

    test('a bad record in a later run hands out every record of the runs before it', () => {
      // Arrange
      const many = Array.from({ length: 2000 }, (_, i) => ctRecord({ eventID: `e${i}` }));
      const good = JSON.stringify(many).slice(1, -1);
      const text = Buffer.from(`{"Records":[${good},{"eventVersion":"1.09","eventTime":tru},${good}]}`);
      const seen: CloudTrailRecord[] = [];
      const splitter = new RecordSplitter((record) => seen.push(record));

      // Act
      const error = (() => {
        try {
          splitter.push(text);
        } catch (e) {
          return e;
        }
      })();

      // Assert
      expect(error).toBeInstanceOf(LogFileError);
      expect(ids(seen)).toEqual(ids(many));
    });
  });

  describe('numbers and literals', () => {
    const VALID = ['0', '-0', '7', '-12', '10.5', '0.25', '1e5', '1E+5', '2.5e-3', '-0.0E0', 'true', 'false', 'null'];
    const INVALID = [
      '01',
      '-',
      '1.',
      '.5',
      '1e',
      '1e+',
      '+1',
      '--1',
      '1.2.3',
      'tru',
      'truee',
      'trie',
      'truf',
      'frue',
      'falsy',
      'fulse',
      'falsee',
      'nul',
      'False',
      '1-2',
      '0x1',
    ];

    /** Reads `{"Records":[{"v":TOKEN}]}` in one chunk (the token read in place) or a byte at a time (as text). */
    function readToken(token: string, chunkSize: number): string {
      const text = Buffer.from(`{"Records":[{"eventVersion":"1.09","v":${token}}]}`);
      const splitter = new RecordSplitter(() => undefined);
      try {
        for (const chunk of pieces(text, chunkSize)) splitter.push(chunk);
        splitter.end();
        return 'valid';
      } catch (error) {
        return (error as Error).message;
      }
    }

    test.each(VALID)('%s is a value, whole in a chunk or cut across chunks', (token) => {
      expect(readToken(token, 4096)).toBe('valid');
      expect(readToken(token, 1)).toBe('valid');
    });

    test.each(INVALID)('%s is not, whole in a chunk or cut across chunks', (token) => {
      expect(readToken(token, 4096)).toMatch(/^invalid JSON after 0 records \(bad value "/);
      expect(readToken(token, 1)).toMatch(/^invalid JSON after 0 records \(bad value "/);
    });
  });

  test('finds the end of every string a word at a time: an escape or the end at each byte of a word, at each alignment', () => {
    // Arrange: strings of 0 to 12 characters with an escaped quote or backslash at each position, or none, each
    // record shifted by 0 to 3 bytes of whitespace so that the string starts at every offset of a 4-byte word.
    const values: string[] = [];
    for (let size = 0; size <= 12; size++) {
      values.push('x'.repeat(size));
      for (let at = 0; at < size; at++) {
        for (const special of ['"', '\\', '\\"', 'é'])
          values.push(`${'x'.repeat(at)}${special}${'y'.repeat(size - at)}`);
      }
    }
    const records = values.map((value, n) => ({ eventVersion: '1.09', eventID: `r${n}`, value }));
    const text = `{"Records":[${records.map((record, n) => `${' '.repeat(n % 4)}${JSON.stringify(record)}`).join(',')}]}`;
    for (const shift of [0, 1, 2, 3]) {
      // A chunk that starts on a word boundary (read a word at a time), its text shifted inside it.
      const chunk = Buffer.from(`${' '.repeat(shift)}${text}`);
      const seen: CloudTrailRecord[] = [];
      const splitter = new RecordSplitter((record) => seen.push(record));

      // Act
      splitter.push(chunk);
      splitter.end();

      // Assert
      expect(chunk.byteOffset % 4).toBe(0);
      expect(seen).toEqual(records);
    }
  });

  test('cuts the same records as JSON.parse from 2,000 generated logs, each string starting at any byte of a word', () => {
    // Arrange: a fixed-seed generator (the same logs every run): strings of 0 to 40 characters mixing plain bytes,
    // quotes, backslashes, escapes and multi-byte characters, whitespace of 0 to 3 bytes before each value, read
    // whole (word at a time) and in pieces of 1 to 97 bytes.
    let seed = 12_345;
    const next = (below: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % below;
    };
    const alphabet = ['a', 'b', '"', '\\', '\n', '\u0000', '}', '{', ',', ':', ' ', 'é', '東', '🚀', '/'];
    const text = () => Array.from({ length: next(41) }, () => alphabet[next(alphabet.length)]).join('');
    for (let document = 0; document < 2_000; document++) {
      const records = Array.from({ length: 1 + next(4) }, (_, n) => ({
        eventVersion: '1.09',
        eventID: `d${document}r${n}`,
        [text()]: text(),
        nested: { list: [text(), next(1000), next(2) === 0, null], value: text() },
      }));
      const body = `{"Records":[${records
        .map((record) => JSON.stringify(record).replace(/":/g, () => `":${' '.repeat(next(4))}`))
        .join(`,${' '.repeat(next(4))}`)}]}`;
      const whole = Buffer.from(new Uint8Array(Buffer.from(body)).buffer);
      for (const size of [whole.length, 1 + next(97)]) {
        const seen: CloudTrailRecord[] = [];
        const splitter = new RecordSplitter((record) => seen.push(record));

        // Act
        for (const piece of pieces(whole, size)) splitter.push(Buffer.from(new Uint8Array(piece).buffer));
        splitter.end();

        // Assert
        expect(seen).toEqual(JSON.parse(body).Records);
      }
    }
  });

  test('cuts the same records from chunks that start on a word boundary whatever their length', () => {
    // Arrange: each piece copied into memory of its own (offset 0, so read a word at a time), its length not always a
    // multiple of 4, so that strings and escapes end at every position of a chunk.
    const text = Buffer.from(JSON.stringify({ Records: TRICKY }));
    for (let size = 1; size <= 64; size++) {
      const seen: CloudTrailRecord[] = [];
      const splitter = new RecordSplitter((record) => seen.push(record));

      // Act
      for (const piece of pieces(text, size)) {
        const own = Buffer.from(new Uint8Array(piece).buffer);
        expect(own.byteOffset).toBe(0);
        splitter.push(own);
      }
      splitter.end();

      // Assert
      expect(seen).toEqual(JSON.parse(text.toString()).Records);
    }
  });
});
