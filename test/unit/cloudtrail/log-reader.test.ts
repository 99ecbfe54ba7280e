import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  LogFileError,
  MAX_RECORD_BYTES,
  RecordSplitter,
  readLogRecords,
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
});
