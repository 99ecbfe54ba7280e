/**
 * npm run bench:init [-- --runs 7] [--node /path/to/node] [--functions summarize,audit-account] [--cpu 1]
 *
 * Cold start of each function as the stack builds it (infra/bundling.ts, `bundleFunction`: bundle, minify, source
 * maps, target node24, CommonJS, the SDK's schemas with literal keys, its error registries trimmed, its event-stream
 * import hoisted, its package.json files cut to the version, the Lambda credential chain), loaded bare and after the
 * built-ins Lambda's runtime has loaded (RUNTIME_BUILTINS). Beside it, the same bundle with the SDK's default
 * credential chain, with the SDK's schemas as they ship (computed keys: esbuild keeps all of them), with every modeled
 * error registered (infra/sdk-error-registry.ts), with the event-stream support imported on demand as @smithy/core
 * ships it (esbuild wraps the modules behind it: infra/sdk-static-imports.ts), and a bundle with `@aws-sdk/*` left
 * out (resolved at run time from node_modules, as the Lambda runtime's SDK would be). A function's size is what a cold
 * start reads: index.js and the shared files it requires. A module the function loads on first use (infra/bundling.ts,
 * LOADED_ON_FIRST_USE: Publish Report's Security Hub sink, Audit Account's current-state checks, the settings' schema
 * of every function that reads settings) gets a line of its own
 * under the function's: the time to load it once the deployed bundle is loaded, which a run that uses it pays once.
 *
 * `--node` loads the bundles with another Node.js than the one running this, such as the Lambda runtime's version
 * (bench/args.ts); `--functions` measures only those named; `--cpu N` runs every child on that one CPU (`taskset`),
 * so that a run's figures do not depend on which core each process lands on (this machine's two are not equal:
 * README, "Log scan"). Each measurement is a fresh `node` process that loads the bundle, which makes the handler's
 * module-scope clients (the first clients) and reads its settings. Prints the median of several runs, side by side.
 * The handlers get settings through the environment, pointing at nothing real (no call is made at load).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  BUNDLE_LOAD_ENV,
  type BuiltBundle,
  type BundleOptions,
  bundleFunction,
  handlerNames,
  LOADED_ON_FIRST_USE,
  loadedAtStart,
} from '../infra/bundling';
import { argValue, benchNode, nodeVersion } from './args';

const ROOT = join(__dirname, '..');

function option(name: string, fallback: number): number {
  const value = Number(argValue(name) ?? Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

// What the child runs: load the bundle (its module scope makes the clients and reads the settings), print the time.
// With `runtime`, the Node.js built-ins Lambda's runtime has loaded before it loads a handler are loaded first, outside
// the time: see RUNTIME_BUILTINS. With a fourth argument, the bundle is loaded outside the time too, and what is timed
// is the loading of that file beside it: a module the function loads on first use (infra/bundling.ts).
const CHILD = `
if (process.argv[2] === 'runtime') for (const name of process.argv[3].split(',')) require(name);
const later = process.argv[4];
if (later) require(process.argv[1]);
const start = process.hrtime.bigint();
require(later || process.argv[1]);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(String(ms));
`;

/**
 * The built-ins that Lambda's Node.js runtime has loaded when it loads the handler: the runtime interface client
 * (aws/aws-lambda-nodejs-runtime-interface-client, src/index.mjs, at da5777a) makes its RAPID client, which requires
 * `http` and, through ResponseStream.js, `net`, and requires `util`, `fs`, `path`, `module` and `assert` in the modules
 * index.mjs loads, before `UserFunction.load`. A fresh `node` has none of them, so the bare figure counts `http` (and
 * all it loads) against the bundle.
 */
const RUNTIME_BUILTINS = ['http', 'net', 'util', 'fs', 'path', 'module', 'assert'];

const ENV = {
  ...BUNDLE_LOAD_ENV,
  // The runtime's SDK, for the bundles that leave it out.
  NODE_PATH: join(ROOT, 'node_modules'),
};

/** The Node.js that loads the bundles. */
const NODE = benchNode();

/** `--cpu N`: the CPU every child is pinned to, checked before anything is built; else undefined (not pinned). */
function pinnedCpu(): number | undefined {
  const given = argValue('cpu');
  if (given === undefined) return undefined;
  const found = /^\d+$/.test(given) ? spawnSync('taskset', ['-c', given, 'true'], { encoding: 'utf8' }) : undefined;
  if (found === undefined || found.error || found.status !== 0) {
    const why = found === undefined ? 'not a CPU number' : (found.error?.message ?? found.stderr.trim());
    throw new Error(
      `--cpu ${given}: cannot pin to it (${why}); give the number of one online CPU, on a machine with taskset ` +
        '(util-linux), or leave --cpu out',
    );
  }
  return Number(given);
}

const CPU = pinnedCpu();

/** The load time of `bundle`, or with `later`, of that file once the bundle is loaded. */
function loadMs(bundle: string, runtime = false, later?: string): number {
  const args = runtime || later ? ['runtime', RUNTIME_BUILTINS.join(','), ...(later ? [later] : [])] : [];
  const command = [NODE, '-e', CHILD, bundle, ...args];
  const pinned = CPU === undefined ? command : ['taskset', '-c', String(CPU), ...command];
  const out = spawnSync(pinned[0] as string, pinned.slice(1), { env: ENV, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`loading ${bundle} failed: ${out.stderr}`);
  return Number(out.stdout);
}

/** The width of the first column: a function's name, or a file it loads on first use under it. */
const LABEL = Math.max(22, ...[...LOADED_ON_FIRST_USE.values()].map((file) => `  + ${file}`.length));

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

/**
 * What is measured for each function: the bundle as deployed, bare and after the runtime's modules, and the five it
 * is compared with. Variants with the same options load the same bundle.
 */
const VARIANTS: readonly { readonly label: string; readonly options: BundleOptions; readonly runtime?: boolean }[] = [
  { label: 'deployed', options: {} },
  { label: "deployed, runtime's modules", options: {}, runtime: true },
  { label: 'default credential chain', options: { credentials: 'default-chain' } },
  { label: 'schema keys as shipped', options: { literalSchemaKeys: false } },
  { label: 'error registry as shipped', options: { trimErrors: false } },
  { label: 'event streams as shipped', options: { hoistEventStreams: false } },
  { label: 'SDK external', options: { sdk: 'external' } },
];

async function main(): Promise<void> {
  const runs = option('runs', 7);
  const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-bench-init-'));
  try {
    const version = nodeVersion(NODE);
    const where = CPU === undefined ? 'not pinned' : `every process on CPU ${CPU}`;
    console.log(
      `node ${version}; median of ${runs} fresh processes per bundle (${where}); load = require + module scope`,
    );
    console.log(
      "the variants of one function are loaded in turn, run after run, so that they share the machine's state",
    );
    console.log(`\n${'function'.padEnd(LABEL)} ${VARIANTS.map(({ label }) => pad(label, 29)).join('  ')}`);
    const all = handlerNames();
    const only = argValue('functions')?.split(',');
    const unknown = only?.filter((name) => !all.includes(name)) ?? [];
    if (unknown.length > 0) throw new Error(`--functions: no function ${unknown.join(', ')} (${all.join(', ')})`);
    for (const handler of all.filter((name) => !only || only.includes(name))) {
      // One build for each distinct set of options: the deployed bundle is loaded bare and after the runtime's modules.
      const builds = new Map<string, Promise<BuiltBundle>>();
      const built = (options: BundleOptions): Promise<BuiltBundle> => {
        const key = JSON.stringify(options);
        let bundle = builds.get(key);
        if (bundle === undefined) {
          bundle = bundleFunction(handler, join(outdir, handler, String(builds.size)), options);
          builds.set(key, bundle);
        }
        return bundle;
      };
      const builtVariants = await Promise.all(VARIANTS.map(({ options }) => built(options)));
      const bundles = builtVariants.map(({ outfile }) => outfile);
      // The deployed bundle's modules loaded on first use, each timed once the bundle is loaded.
      const deployed = await built({});
      const later = deployed.files.filter(({ kind }) => kind === 'first-use');
      // Warms the file system cache, as a provisioned image would be.
      for (const bundle of bundles) loadMs(bundle);
      for (const { outfile } of later) loadMs(deployed.outfile, true, outfile);
      const times = bundles.map(() => [] as number[]);
      const laterTimes = later.map(() => [] as number[]);
      for (let run = 0; run < runs; run += 1) {
        for (const [index, bundle] of bundles.entries()) times[index]?.push(loadMs(bundle, VARIANTS[index]?.runtime));
        for (const [index, { outfile }] of later.entries()) {
          laterTimes[index]?.push(loadMs(deployed.outfile, true, outfile));
        }
      }
      // The bytes a load reads: index.js and the shared files it requires; a file loaded on first use, alone (what it
      // shares with index.js is loaded by then).
      const kb = (files: readonly string[]) => files.reduce((sum, file) => sum + statSync(file).size, 0) / 1024;
      const cell = (files: readonly string[], ms: readonly number[]) =>
        `${pad(kb(files).toFixed(0), 16)} KB ${pad(median(ms).toFixed(1), 7)} ms`;
      const atStart = builtVariants.map((bundle) => loadedAtStart(bundle).map(({ outfile }) => outfile));
      const deployedAtStart = loadedAtStart(deployed).map(({ outfile }) => outfile);
      console.log(
        `${handler.padEnd(LABEL)} ${atStart.map((files, index) => cell(files, times[index] ?? [])).join('  ')}`,
      );
      for (const [index, { outfile, requires }] of later.entries()) {
        const own = requires.filter((file) => !deployedAtStart.includes(file));
        console.log(
          `${`  + ${basename(outfile)}`.padEnd(LABEL)} ${cell([outfile, ...own], laterTimes[index] ?? [])}  on first use: ` +
            "loaded by the deployed bundle, after it and the runtime's modules",
        );
      }
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
