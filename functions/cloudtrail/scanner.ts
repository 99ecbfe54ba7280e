import { setMaxListeners } from 'node:events';
import { errorMessage, errorName, isThrottle } from '../lib/errors';
import type { RuleEngine } from './engine';
import { LogFileError, readLogRecords } from './log-reader';

/** Opens one log file's body: S3 GetObject in the checks, a local file in the benchmark. */
export type OpenLogFile = (
  key: string,
  signal: AbortSignal,
) => Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;

/** What a scan read. */
export interface ScanStats {
  /** Files done: read to their end, or reported unreadable. */
  readonly files: number;
  readonly unreadable: number;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  /** Whether the scan stopped before its last file (the deadline). */
  readonly stopped: boolean;
}

/** Options of {@link scanLogFiles}. */
export interface ScanOptions {
  /** The keys to read; taken lazily, so a listing can be streamed in while files are read. */
  readonly keys: AsyncIterable<string> | Iterable<string>;
  readonly open: OpenLogFile;
  readonly engine: RuleEngine;
  /** Files read at once. */
  readonly concurrency: number;
  /**
   * Whether to stop (the deadline): no new file is taken, and the files in flight stop at their next record. What
   * was found is kept; the files not finished are not done.
   */
  readonly shouldStop?: () => boolean;
  /** The reason a file could not be opened or read, for its finding. @default the error's name and message */
  readonly describeReadError?: (error: unknown) => string;
  /** Told of every file done (read to its end, or reported unreadable): what a cursor may advance over. */
  readonly onFileDone?: (key: string) => void;
  /**
   * Whether records the engine's pre-filter rules out are skipped unparsed (their JSON syntax is still checked,
   * string contents aside). Off only to compare, in tests. @default true
   */
  readonly prefilter?: boolean;
}

/** The scan reached its deadline inside a file. */
class ScanStopped extends Error {
  constructor() {
    super('the scan reached its deadline');
    this.name = 'ScanStopped';
  }
}

/** Records between two looks at the clock: cheap enough, and a file in flight stops within milliseconds. */
const RECORDS_PER_CLOCK_CHECK = 256;

/**
 * Runs `work` on each item with at most `concurrency` at once, pulling items lazily. The first failure (of `work`
 * or of the source) stops the others from taking new items, aborts the signal, and is thrown once all settled.
 * When `shouldStop` says so, no new item is taken; returns whether it stopped early.
 */
export async function forEachConcurrent<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T, signal: AbortSignal) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<{ stopped: boolean }> {
  const iterator =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const controller = new AbortController();
  // Every call in flight listens on the shared signal (the SDK's retry and its HTTP handler each add one): more than
  // Node's default of 10 is expected, not a leak; without this, an interrupted run printed one warning per account.
  setMaxListeners(Math.max(10, concurrency * 4), controller.signal);
  let failure: { error: unknown } | undefined;
  let stopped = false;
  const worker = async () => {
    while (!failure && !stopped) {
      try {
        if (shouldStop()) {
          stopped = true;
          return;
        }
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
  if (failure || stopped) await iterator.return?.();
  if (failure) throw failure.error;
  return { stopped };
}

function defaultReadError(error: unknown): string {
  const name = errorName(error);
  const message = errorMessage(error);
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/**
 * Streams every file through the rule engine, `concurrency` files at a time. A file that cannot be opened or read
 * (access denied, a KMS key that refuses, a key gone, corrupt or truncated content) becomes a `LogFileUnreadable`
 * finding and the scan goes on; only throttling (and a failing listing) stops the scan and is thrown. At the
 * deadline (`shouldStop`) the scan stops taking files and returns what it found, `stopped: true`.
 */
export async function scanLogFiles(options: ScanOptions): Promise<ScanStats> {
  const { engine, open } = options;
  const shouldStop = options.shouldStop ?? (() => false);
  const describe = options.describeReadError ?? defaultReadError;
  let files = 0;
  let unreadable = 0;
  let records = 0;
  let bytes = 0;
  let cut = false;
  const filter = options.prefilter === false ? undefined : engine.recordFilter();
  const done = (key: string) => {
    files++;
    options.onFileDone?.(key);
  };
  const { stopped } = await forEachConcurrent(
    options.keys,
    options.concurrency,
    async (key, signal) => {
      // Records given to the engine (judged or skipped by the pre-filter), and when to look at the clock next.
      let read = 0;
      let nextClockCheck = RECORDS_PER_CLOCK_CHECK;
      const checkClock = (seen: number) => {
        if (seen < nextClockCheck) return;
        nextClockCheck = seen + RECORDS_PER_CLOCK_CHECK;
        if (shouldStop()) throw new ScanStopped();
      };
      try {
        const body = await open(key, signal);
        const stats = await readLogRecords(
          body,
          (record) => {
            checkClock(read + 1);
            read++;
            engine.add(record, key);
          },
          {
            ...(filter ? { filter } : {}),
            onSkipped: (count) => {
              read += count;
              engine.skipped(count);
              checkClock(read);
            },
          },
        );
        records += stats.records;
        bytes += stats.bytes;
        done(key);
      } catch (error) {
        if (error instanceof ScanStopped) {
          cut = true;
          records += read;
          return;
        }
        if (isThrottle(error)) throw error;
        if (error instanceof LogFileError) {
          records += error.recordsRead;
          engine.unreadable(key, error.message);
        } else {
          engine.unreadable(key, describe(error));
        }
        unreadable++;
        done(key);
      }
    },
    shouldStop,
  );
  return { files, unreadable, records, bytes, stopped: stopped || cut };
}
