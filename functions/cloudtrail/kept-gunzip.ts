import { createGunzip, type Gunzip, gzipSync, constants as zlibConstants } from 'node:zlib';

/**
 * Node.js versions (majors) whose zlib handle `kept-gunzip.test.ts` has run as used here: the CLI's 20 and the Lambda
 * runtimes' 22 and 24. Another one decompresses with `gunzipSync`, until its tests pass and it is added here.
 */
export const TESTED_NODE_MAJORS: readonly number[] = [20, 22, 24];

/**
 * The native zlib handle under a `Gunzip`: what `gunzipSync` itself drives, through `writeSync`, with an output buffer
 * it allocates for every call. Not part of Node.js's documented API, so it is used only on the Node.js versions whose
 * handle the tests have run ({@link TESTED_NODE_MAJORS}; a `writeSync` that takes other arguments would abort the
 * process, which no check in JavaScript can catch), every member is looked for before use, and a {@link selfCheck}
 * decompresses known texts and a truncated one before the first file.
 */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
  reset(): void;
  onerror: ((message: string, errno: number) => void) | undefined;
}

interface Engine {
  readonly gunzip: Gunzip;
  readonly handle: ZlibHandle;
  /**
   * `[output bytes left, input bytes left]` after a `writeSync` that succeeded; one that fails leaves it as it was,
   * so it is set to "no output left" before each call.
   */
  readonly state: Uint32Array;
  /** zlib's message when the last call failed. */
  failure: string | undefined;
}

function startEngine(makeGunzip: () => Gunzip): Engine | undefined {
  const gunzip = makeGunzip();
  const internals = gunzip as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  const handle = internals._handle;
  const state = internals._writeState;
  if (
    typeof handle?.writeSync !== 'function' ||
    typeof handle.reset !== 'function' ||
    // Not `instanceof`: in a test sandbox, Node.js's own objects come from another realm.
    Object.prototype.toString.call(state) !== '[object Uint32Array]' ||
    (state as Uint32Array).length < 2
  ) {
    gunzip.close();
    return undefined;
  }
  const engine: Engine = { gunzip, handle: handle as ZlibHandle, state: state as Uint32Array, failure: undefined };
  // Replaces the stream's own handler, which would destroy the stream: here a failure only means "not this way".
  engine.handle.onerror = (message) => {
    engine.failure = message;
  };
  return engine;
}

/**
 * Files through one engine as the reader will use it: the first one's text, a truncated file that must give nothing
 * (its error noticed), and a shorter text after it (the handle started again, the reset done).
 */
function selfCheck(decompress: (body: Buffer, capacity: number) => Buffer | undefined): boolean {
  const long = '{"Records":[{"eventName":"SelfCheck","n":1}]}'.repeat(40);
  const short = '{"Records":[]}';
  const longBody = gzipSync(long);
  return (
    decompress(longBody, 64 * 1024)?.toString('latin1') === long &&
    decompress(longBody.subarray(0, longBody.length - 12), 64 * 1024) === undefined &&
    decompress(gzipSync(short), 64 * 1024)?.toString('latin1') === short
  );
}

function nodeMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

/**
 * Decompresses whole gzip files, one after another, into one output buffer kept from file to file. `gunzipSync`
 * allocates a new buffer for every file, and on the machines measured touching that fresh memory for the first time
 * cost more than decompressing into it: the 1,785 files of `npm run bench:logs` (210 MB of text) took 0.30 s and 9,000
 * page faults with `gunzipSync` in a fresh process on Node.js 20, and 0.18 s and 270 here; on Node.js 24, 0.43 s
 * against 0.19 s (README, "Log scan").
 *
 * The text it returns is valid until the next call: whoever keeps part of it must call {@link disown} first. Calls
 * are synchronous, so readers of several files at once cannot interleave inside one. Any problem (a handle that is
 * not there or fails its check, a corrupt or truncated file, a text longer than the buffer) returns `undefined`, and
 * the caller decompresses that file as it would without this, with `gunzipSync`, which also makes its error.
 */
export class KeptGunzip {
  private engine: Engine | undefined;
  /** `undefined` until the first file, then whether it may be used ({@link passesChecks}). */
  private usable: boolean | undefined;
  private output: Buffer | undefined;

  private readonly makeGunzip: () => Gunzip;
  private readonly nodeVersion: string;

  /**
   * @param maxBufferBytes the largest output buffer it keeps (one byte more than the longest text it may make).
   * @param options for tests: where its `Gunzip` comes from, and the Node.js version it believes it runs on.
   */
  constructor(
    private readonly maxBufferBytes: number,
    options: { readonly makeGunzip?: () => Gunzip; readonly nodeVersion?: string } = {},
  ) {
    this.makeGunzip = options.makeGunzip ?? createGunzip;
    this.nodeVersion = options.nodeVersion ?? process.versions.node;
  }

  /**
   * The text of the gzip file `body`, in the kept buffer, or `undefined` (see the class). `capacity` is the buffer the
   * file needs (at most the bound); a text that fills the whole buffer is not taken, since it may go on past it.
   */
  inflate(body: Buffer, capacity: number): Buffer | undefined {
    this.usable ??= this.passesChecks();
    return this.usable ? this.decompress(body, capacity) : undefined;
  }

  /** The last text stays with its reader: the next file gets a buffer of its own. */
  disown(): void {
    this.output = undefined;
  }

  /** Once, before the first file: a Node.js major the tests ran on, and a handle that passes {@link selfCheck}. */
  private passesChecks(): boolean {
    if (!TESTED_NODE_MAJORS.includes(nodeMajor(this.nodeVersion))) return false;
    let passed = false;
    try {
      passed = selfCheck((body, capacity) => this.decompress(body, capacity));
    } catch {
      // A handle that throws where it should not is not used.
    }
    if (!passed) this.stop();
    return passed;
  }

  private decompress(body: Buffer, capacity: number): Buffer | undefined {
    const engine = this.engine ?? startEngine(this.makeGunzip);
    if (engine === undefined) {
      this.usable = false;
      return undefined;
    }
    this.engine = engine;
    const output = this.bufferFor(Math.min(capacity, this.maxBufferBytes));
    engine.failure = undefined;
    engine.state[0] = 0;
    try {
      engine.handle.reset();
      engine.handle.writeSync(zlibConstants.Z_FINISH, body, 0, body.length, output, 0, output.length);
    } catch (error) {
      engine.failure = String(error);
    }
    if (engine.failure !== undefined) {
      // A failed handle is not used again.
      this.stop();
      return undefined;
    }
    const outputLeft = engine.state[0] as number;
    if (outputLeft === 0) return undefined;
    return output.subarray(0, output.length - outputLeft);
  }

  /** A buffer of at least `bytes`: the kept one, or a larger one (double the old, within the bound) kept instead. */
  private bufferFor(bytes: number): Buffer {
    const kept = this.output;
    if (kept !== undefined && kept.length >= bytes) return kept;
    const size = Math.min(Math.max(bytes, (kept?.length ?? 0) * 2), this.maxBufferBytes);
    this.output = Buffer.allocUnsafe(size);
    return this.output;
  }

  private stop(): void {
    this.engine?.gunzip.close();
    this.engine = undefined;
  }
}
