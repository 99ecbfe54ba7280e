import { createGunzip, type Gunzip, gzipSync, constants as zlibConstants } from 'node:zlib';

/**
 * The native zlib handle under a `Gunzip`: what `gunzipSync` itself drives, through `writeSync`, with an output buffer
 * it allocates for every call. Not part of Node.js's documented API, so nothing here trusts it unchecked: every
 * member is looked for before use, and a {@link selfCheck} compares its output with `gunzipSync`'s before the first
 * file. Node.js 20, 22 and 24 (the CLI's and the Lambda runtime's) have it as used here.
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
  /** `[output bytes left, input bytes left]` after each `writeSync`. */
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

/** Two files, the second shorter, through one engine, as the reader will use it: output and reset both checked. */
function selfCheck(kept: KeptGunzip): boolean {
  const texts = ['{"Records":[{"eventName":"SelfCheck","n":1}]}'.repeat(40), '{"Records":[]}'];
  for (const text of texts) {
    const out = kept.inflate(gzipSync(text), 64 * 1024);
    if (out?.toString('latin1') !== text) return false;
  }
  return true;
}

/**
 * Decompresses whole gzip files, one after another, into one output buffer kept from file to file. `gunzipSync`
 * allocates a new buffer for every file, and on the machines measured touching that fresh memory for the first time
 * cost more than decompressing into it: the log scan's first pass, 600 files, spent 0.30 s in `gunzipSync` on
 * Node.js 20 with 9,000 page faults, and 0.18 s with 270 here; on Node.js 24, 0.43 s against 0.19 s
 * (`npm run bench:logs`, README, "Log scan").
 *
 * The text it returns is valid until the next call: whoever keeps part of it must call {@link disown} first. Calls
 * are synchronous, so readers of several files at once cannot interleave inside one. Any problem (a handle that is
 * not there or fails its check, a corrupt or truncated file, a text longer than the buffer) returns `undefined`, and
 * the caller decompresses that file as it would without this, with `gunzipSync`, which also makes its error.
 */
export class KeptGunzip {
  private engine: Engine | undefined;
  /** `undefined` until the first file, then whether the handle passed {@link selfCheck}. */
  private usable: boolean | undefined;
  private output: Buffer | undefined;

  /**
   * @param maxBufferBytes the largest output buffer it keeps (one byte more than the longest text it may make).
   * @param makeGunzip where its `Gunzip` comes from (a test's, to see it refuse a handle that is not as expected).
   */
  constructor(
    private readonly maxBufferBytes: number,
    private readonly makeGunzip: () => Gunzip = createGunzip,
  ) {}

  /**
   * The text of the gzip file `body`, in the kept buffer, or `undefined` (see the class). `capacity` is the buffer the
   * file needs (at most the bound); a text that fills the whole buffer is not taken, since it may go on past it.
   */
  inflate(body: Buffer, capacity: number): Buffer | undefined {
    if (this.usable === undefined) {
      this.usable = true;
      try {
        this.usable = selfCheck(this);
      } catch {
        this.usable = false;
      }
      if (!this.usable) this.stop();
    }
    if (!this.usable) return undefined;
    const engine = this.engine ?? startEngine(this.makeGunzip);
    if (engine === undefined) {
      this.usable = false;
      return undefined;
    }
    this.engine = engine;
    const output = this.bufferFor(Math.min(capacity, this.maxBufferBytes));
    engine.failure = undefined;
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

  /** The last text stays with its reader: the next file gets a buffer of its own. */
  disown(): void {
    this.output = undefined;
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
