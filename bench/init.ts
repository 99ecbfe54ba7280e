/**
 * npm run bench:init [-- --runs 7]
 *
 * Cold start of each function as the stack builds it: esbuild with the options of the function preset
 * (infra/constructs/audit-function.ts: bundle, minify, source maps, target node24, CommonJS), once with the AWS SDK
 * bundled and once with `@aws-sdk/*` left out (resolved at run time from node_modules, as the Lambda runtime's
 * SDK would be). Each measurement is a fresh `node` process that loads the bundle, which makes the handler's
 * module-scope clients (the first clients) and reads its settings. Prints the median of several runs, side by
 * side. The handlers get settings through the environment, pointing at nothing real (no call is made at load).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_LOAD_ENV, buildFunctionBundle, handlerNames } from '../infra/bundling';

const ROOT = join(__dirname, '..');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

// What the child runs: load the bundle (its module scope makes the clients and reads the settings), print the time.
const CHILD = `
const start = process.hrtime.bigint();
require(process.argv[1]);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(String(ms));
`;

const ENV = {
  ...BUNDLE_LOAD_ENV,
  // The runtime's SDK, for the bundles that leave it out.
  NODE_PATH: join(ROOT, 'node_modules'),
};

function loadMs(bundle: string): number {
  const out = spawnSync(process.execPath, ['-e', CHILD, bundle], { env: ENV, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`loading ${bundle} failed: ${out.stderr}`);
  return Number(out.stdout);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function pad(value: string | number, width: number): string {
  return String(value).padStart(width);
}

function main(): void {
  const runs = option('runs', 7);
  const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-bench-init-'));
  try {
    console.log(`node ${process.version}; median of ${runs} fresh processes per bundle; load = require + module scope`);
    console.log(
      `\n${'function'.padEnd(22)} ${pad('bundled KB', 10)} ${pad('load ms', 8)}   ${pad('external KB', 11)} ` +
        `${pad('load ms', 8)}`,
    );
    for (const handler of handlerNames()) {
      const figures = (['bundled', 'external'] as const).map((sdk) => {
        const bundle = buildFunctionBundle(handler, outdir, sdk);
        loadMs(bundle); // warms the file system cache, as a provisioned image would be
        const times = Array.from({ length: runs }, () => loadMs(bundle));
        return { kb: statSync(bundle).size / 1024, ms: median(times) };
      });
      const [bundled, external] = figures as [{ kb: number; ms: number }, { kb: number; ms: number }];
      console.log(
        `${handler.padEnd(22)} ${pad(bundled.kb.toFixed(0), 10)} ${pad(bundled.ms.toFixed(1), 8)}   ` +
          `${pad(external.kb.toFixed(0), 11)} ${pad(external.ms.toFixed(1), 8)}`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
