import { setMaxListeners } from 'node:events';
import type { RuleEngine } from './engine';
import { LogFileError, readLogRecords } from './log-reader';

/** Opens one log file's body: S3 GetObject in the checks, a local file in the benchmark. */
export type OpenLogFile = (
  key: string,
  signal: AbortSignal,
) => Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;

/** What a scan read. */
export interface ScanStats {
  readonly files: number;
  readonly unreadable: number;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
}

/** Options of {@link scanLogFiles}. */
export interface ScanOptions {
  /** The keys to read; taken lazily, so a listing can be streamed in while files are read. */
  readonly keys: AsyncIterable<string> | Iterable<string>;
  readonly open: OpenLogFile;
  readonly engine: RuleEngine;
  /** Files read at once. */
  readonly concurrency: number;
}

/**
 * Runs `work` on each item with at most `concurrency` at once, pulling items lazily. The first failure (of `work`
 * or of the source) stops the others from taking new items, aborts the signal, and is thrown once all settled.
 */
export async function forEachConcurrent<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const controller = new AbortController();
  // Every call in flight listens on the shared signal (the SDK's retry and its HTTP handler each add one): more than
  // Node's default of 10 is expected, not a leak; without this, an interrupted run printed one warning per account.
  setMaxListeners(Math.max(10, concurrency * 4), controller.signal);
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      try {
        const next = await iterator.next();
        if (next.done || failure) return;
        await work(next.value, controller.signal);
      } catch (error) {
        if (!failure) {
          failure = { error };
          controller.abort(error);
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) {
    await iterator.return?.();
    throw failure.error;
  }
}

/**
 * Streams every file through the rule engine, `concurrency` files at a time. A corrupt or truncated file becomes a
 * `LogFileUnreadable` finding and the scan goes on; any other failure (access, throttling, network) stops the scan
 * and is thrown.
 */
export async function scanLogFiles(options: ScanOptions): Promise<ScanStats> {
  const { engine, open } = options;
  let files = 0;
  let unreadable = 0;
  let records = 0;
  let bytes = 0;
  await forEachConcurrent(options.keys, options.concurrency, async (key, signal) => {
    const body = await open(key, signal);
    files++;
    try {
      const stats = await readLogRecords(body, (record) => engine.add(record, key));
      records += stats.records;
      bytes += stats.bytes;
    } catch (error) {
      if (!(error instanceof LogFileError)) throw error;
      unreadable++;
      records += error.recordsRead;
      engine.unreadable(key, error.message);
    }
  });
  return { files, unreadable, records, bytes };
}
