/**
 * One run of `npm run bench:logs`, in a process of its own: bundled by esbuild with the function preset's options
 * (as the scanner ships to Lambda) and run with plain `node`, so that its peak RSS and speed are the shipped code's,
 * not a TypeScript loader's. Usage (by bench/log-scan.ts): `node child.js <scanner|baseline|gunzip> <data dir>`.
 * Prints one JSON line: the run's figures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RuleEngine } from '../functions/cloudtrail/engine';
import { scanLogFiles } from '../functions/cloudtrail/scanner';
import { cloudTrailSettingsSchema } from '../functions/cloudtrail/settings';

export interface LogScanManifest {
  readonly version: number;
  readonly files: readonly { readonly path: string; readonly bytes: number; readonly records: number }[];
  readonly bytes: number;
  readonly gzBytes: number;
  readonly records: number;
}

export type LogScanMode = 'scanner' | 'baseline' | 'gunzip';

export interface LogScanRun {
  readonly mode: LogScanMode;
  readonly ms: number;
  readonly bytes: number;
  readonly records: number;
  readonly maxRssKiB: number;
  /** CPU time of the whole process, zlib's thread pool included. */
  readonly cpuMs: number;
  /**
   * The same read again in the same process: JIT-compiled code, as in a warm Lambda container that audits its next
   * account. The first pass is a cold process's.
   */
  readonly warmMs: number;
  readonly warmCpuMs: number;
  readonly findings?: Readonly<Record<string, number>>;
}

type Timed = Omit<LogScanRun, 'maxRssKiB' | 'cpuMs' | 'warmMs' | 'warmCpuMs'>;

/**
 * The in-process stand-in for S3 GetObject: the file read as the baseline reads it, handed over in the 64 KiB
 * pieces a socket would deliver, so that both readers pay the same I/O and differ only in how they parse.
 */
function bodyChunks(file: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < file.length; offset += 64 * 1024)
    chunks.push(file.subarray(offset, offset + 64 * 1024));
  return chunks;
}

async function runScanner(dir: string, manifest: LogScanManifest): Promise<Timed> {
  const settings = cloudTrailSettingsSchema.parse({});
  const engine = new RuleEngine({ settings });
  const started = process.hrtime.bigint();
  const stats = await scanLogFiles({
    keys: manifest.files.map((file) => file.path),
    open: async (key) => bodyChunks(readFileSync(join(dir, 'objects', key))),
    engine,
    concurrency: settings.readConcurrency,
    prefilter: true,
  });
  const findings = engine.result().counts;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { mode: 'scanner', ms, bytes: stats.bytes, records: stats.records, findings };
}

/** `readFileSync` + `zlib.gunzipSync` + `JSON.parse` of each whole file, one after another, no rules. */
function runBaseline(dir: string, manifest: LogScanManifest): Timed {
  const started = process.hrtime.bigint();
  let bytes = 0;
  let records = 0;
  for (const file of manifest.files) {
    const text = gunzipSync(readFileSync(join(dir, 'objects', file.path)));
    bytes += text.length;
    records += (JSON.parse(text.toString('utf8')) as { Records: unknown[] }).Records.length;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { mode: 'baseline', ms, bytes, records };
}

/** `readFileSync` + `zlib.gunzipSync` alone: the limit no reader of gzip files on one thread can pass. */
function runGunzip(dir: string, manifest: LogScanManifest): Timed {
  const started = process.hrtime.bigint();
  let bytes = 0;
  for (const file of manifest.files) bytes += gunzipSync(readFileSync(join(dir, 'objects', file.path))).length;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { mode: 'gunzip', ms, bytes, records: manifest.records };
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2) as [LogScanMode, string];
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as LogScanManifest;
  const pass = async () => {
    const cpu = process.cpuUsage();
    const run =
      mode === 'scanner'
        ? await runScanner(dir, manifest)
        : mode === 'gunzip'
          ? runGunzip(dir, manifest)
          : runBaseline(dir, manifest);
    const used = process.cpuUsage(cpu);
    return { run, cpuMs: (used.user + used.system) / 1000 };
  };
  const cold = await pass();
  const warm = await pass();
  const figures: LogScanRun = {
    ...cold.run,
    cpuMs: cold.cpuMs,
    warmMs: warm.run.ms,
    warmCpuMs: warm.cpuMs,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
