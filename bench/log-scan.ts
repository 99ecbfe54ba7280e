/**
 * `npm run bench:logs`: the CloudTrail scanner against the plainest possible reader.
 *
 * Generates (once, into `.bench-data/log-scan/`, reused while the generator version is unchanged) at least 200 MB
 * of uncompressed CloudTrail in gzip files with the sandbox's fixture generator, then reads the same files three ways,
 * each in a child process of its own so that its peak RSS is its own. The child (bench/log-scan-child.ts) is bundled
 * by esbuild, minified, as the function preset bundles a handler, and run with plain `node`: the figures are the
 * shipped code's, without a TypeScript loader's memory and module wrappers (under tsx, every imported function is a
 * getter call, which cost the scanner's hot loop a third of its speed).
 * - scanner: the checks' path — streaming gunzip → record splitter → `JSON.parse` → rule engine, `readConcurrency`
 *   files at a time; each file is read from disk as the baseline reads it and handed to the scanner in 64 KiB
 *   pieces, as an S3 body arrives (an in-process S3 stand-in: the point is the parsing path, not the network);
 * - baseline: `readFileSync` + `zlib.gunzipSync` + `JSON.parse` of each whole file, one after another, no rules;
 * - gunzip: `readFileSync` + `zlib.gunzipSync` alone, the limit no reader of gzip files can pass.
 * The scanner runs with the byte-level pre-filter on (records no enabled rule can match are not parsed).
 * Prints MB/s, records/s, CPU time and peak RSS of each, the scanner/baseline ratio (target ≥ 2.5), the CPU-time
 * ratio, the same ratios for a second pass in the same process (warm), and the scanner's share of the gunzip limit;
 * then the ratios with the baseline and the scanner pinned to one and the same core (where `taskset` exists).
 * `-- --node /path/to/node` runs the children with another Node.js, such as the Lambda runtime's version (README,
 * "Cold start", tells how to get one without installing it).
 * Figures only: timings are not asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { generateAccountLogFiles, plantedEvents } from '../cli/sandbox/cloudtrail-fixtures';
import { RULE_IDS } from '../functions/cloudtrail/rules/ids';
import { benchNode, nodeVersion } from './args';
import type { LogScanManifest, LogScanMode, LogScanRun } from './log-scan-child';

const DATA_DIR = join(__dirname, '..', '.bench-data', 'log-scan');
const MANIFEST = join(DATA_DIR, 'manifest.json');
/** Bump when the generator or the set changes, so that old data is regenerated. */
const DATA_VERSION = 3;
const TARGET_BYTES = 210_000_000;
const ROUNDS = 3;
const MB = 1_000_000;

type Manifest = LogScanManifest;

function generate(): Manifest {
  rmSync(DATA_DIR, { recursive: true, force: true });
  const organizationId = 'o-bench12345';
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const to = new Date('2026-11-14T12:00:00Z');
  const from = new Date(to.getTime() - 24 * 3_600_000);
  const files: { path: string; bytes: number; records: number }[] = [];
  let bytes = 0;
  let gzBytes = 0;
  let records = 0;
  for (let n = 1; bytes < TARGET_BYTES; n++) {
    const accountId = String(100_000_000_000 + n * 1_111);
    const plant = RULE_IDS.flatMap((id, i) =>
      plantedEvents(
        id,
        new Date(from.getTime() + (i + 1) * 2 * 3_600_000),
        accountId,
        regions[i % regions.length] as string,
      ),
    );
    for (const file of generateAccountLogFiles({
      organizationId,
      accountId,
      regions,
      from,
      to,
      recordsPerFile: 90,
      plant,
      seed: n,
    })) {
      const path = join(DATA_DIR, 'objects', file.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.body);
      files.push({ path: file.key, bytes: file.bytes, records: file.records });
      bytes += file.bytes;
      gzBytes += file.body.length;
      records += file.records;
      if (bytes >= TARGET_BYTES && file.region === regions[regions.length - 1]) break;
    }
  }
  const manifest = { version: DATA_VERSION, files, bytes, gzBytes, records };
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  return manifest;
}

function loadOrGenerate(): { manifest: Manifest; generated: boolean } {
  if (existsSync(MANIFEST)) {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
    if (manifest.version === DATA_VERSION) return { manifest, generated: false };
  }
  return { manifest: generate(), generated: true };
}

/** Bundles the child as the function preset bundles a handler (minified CommonJS), for plain `node`. */
function bundleChild(): string {
  const outfile = join(DATA_DIR, 'child.js');
  buildSync({
    entryPoints: [join(__dirname, 'log-scan-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The preset targets the Lambda runtime (node24); this machine runs the bundle on its own Node.
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * The CPU the one-core runs are pinned to with `taskset` (Linux), or undefined where there is no `taskset`. The same
 * CPU for the baseline and the scanner: on a virtual machine the cores need not be equal (on the machine of the
 * README's figures, one ran the same loop 1.6 times slower than the other), and a ratio is only fair when both sides
 * ran on the same one. One core is also what a function of 1,769 MB has: no second core for V8's compiler and
 * collector threads or zlib's pool.
 */
function pinnedCpu(): number | undefined {
  const found = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (found.status !== 0) return undefined;
  // "pid 123's current affinity list: 0-1" (or "0,2,5-7"): the last CPU listed.
  const list = found.stdout.split(':').pop()?.trim() ?? '';
  const last = Number(list.split(/[,-]/).pop());
  return Number.isInteger(last) ? last : undefined;
}

/** The Node.js that runs the children: `--node <path>`, else this one. */
const NODE = benchNode();

function inChild(child: string, mode: LogScanMode, cpu?: number): LogScanRun {
  const command = cpu === undefined ? [NODE] : ['taskset', '-c', String(cpu), NODE];
  const result = spawnSync(command[0] as string, [...command.slice(1), child, mode, DATA_DIR], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${mode} child failed (${result.status}): ${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as LogScanRun;
}

const fixed = (n: number, digits = 1) => n.toFixed(digits).padStart(9);

function line(run: LogScanRun): string {
  const seconds = run.ms / 1000;
  return (
    `${run.mode.padEnd(9)} ${fixed(seconds, 2)} s ${fixed(run.bytes / MB / seconds)} MB/s ` +
    `${fixed(run.records / seconds / 1000)} k records/s ${fixed(run.cpuMs / 1000, 2)} s CPU  peak RSS ${fixed(run.maxRssKiB / 1024)} MiB`
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const { manifest, generated } = loadOrGenerate();
  console.log(
    `data: ${manifest.files.length} files, ${(manifest.bytes / MB).toFixed(1)} MB uncompressed ` +
      `(${(manifest.gzBytes / MB).toFixed(1)} MB gzip), ${manifest.records} records — ` +
      `${generated ? `generated in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'reused'} (${DATA_DIR})`,
  );
  const version = nodeVersion(NODE);
  console.log(`node ${version}, ${ROUNDS} rounds, each run in a child process of its own; best round shown`);
  const runs: LogScanRun[] = [];
  const oneCore: LogScanRun[] = [];
  const cpu = pinnedCpu();
  const child = bundleChild();
  for (let round = 0; round < ROUNDS; round++) {
    runs.push(inChild(child, 'gunzip'), inChild(child, 'baseline'), inChild(child, 'scanner'));
    if (cpu !== undefined) oneCore.push(inChild(child, 'baseline', cpu), inChild(child, 'scanner', cpu));
  }
  const fastest = (of: readonly LogScanRun[]) => of.reduce((a, b) => (b.ms < a.ms ? b : a));
  const best = (mode: LogScanMode) => fastest(runs.filter((run) => run.mode === mode));
  const scanner = best('scanner');
  const baseline = best('baseline');
  const gunzip = best('gunzip');
  if (scanner.records !== baseline.records || scanner.bytes !== baseline.bytes) {
    console.log(`WARNING: the two readers disagree: ${scanner.records} vs ${baseline.records} records`);
  }
  console.log(line(gunzip));
  console.log(line(baseline));
  console.log(line(scanner));
  const ratio = baseline.ms / scanner.ms;
  console.log(
    `ratio scanner/baseline (throughput): ${ratio.toFixed(2)}   target ≥ 2.50   ` +
      `(CPU time ratio baseline/scanner: ${(baseline.cpuMs / scanner.cpuMs).toFixed(2)})`,
  );
  const warmRatio = baseline.warmMs / scanner.warmMs;
  console.log(
    `warm (the same read again in the same process, as a warm Lambda container's next account): scanner ` +
      `${(scanner.bytes / MB / (scanner.warmMs / 1000)).toFixed(1)} MB/s, baseline ` +
      `${(baseline.bytes / MB / (baseline.warmMs / 1000)).toFixed(1)} MB/s, ratio ${warmRatio.toFixed(2)} ` +
      `(CPU time ratio ${(baseline.warmCpuMs / scanner.warmCpuMs).toFixed(2)})`,
  );
  console.log(
    `scanner share of the gunzip limit: ${((gunzip.ms / scanner.ms) * 100).toFixed(0)} %   ` +
      `(gunzip ${(gunzip.bytes / MB / (gunzip.ms / 1000)).toFixed(1)} MB/s)`,
  );
  console.log(`scanner peak RSS: ${(scanner.maxRssKiB / 1024).toFixed(1)} MiB   target ≤ 128 MiB`);
  if (oneCore.length > 0) {
    const pinned = (mode: LogScanMode) => fastest(oneCore.filter((run) => run.mode === mode));
    const [base, scan] = [pinned('baseline'), pinned('scanner')];
    console.log(
      `one core (both pinned to CPU ${cpu}): baseline ${(base.ms / 1000).toFixed(2)} s, scanner ` +
        `${(scan.ms / 1000).toFixed(2)} s, ratio ${(base.ms / scan.ms).toFixed(2)}; warm ratio ` +
        `${(base.warmMs / scan.warmMs).toFixed(2)}`,
    );
  }
  console.log(
    `scanner findings: ${Object.entries(scanner.findings ?? {})
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
