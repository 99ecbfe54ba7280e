/**
 * How every function is bundled: one build for the function preset (infra/constructs/audit-function.ts), for
 * `npm run bench:init` and for the test that loads every bundle, so that the figures and the test are those of the
 * code the stack deploys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { REMEDIATION_IDS } from '../functions/lib/ids';
import { parseSettings } from '../functions/lib/settings';
import { handlerEntry, REPO_ROOT } from './paths';
import { trimErrorRegistry } from './sdk-error-registry';
import { literalTraitKeys, SDK_SCHEMAS_FILE } from './sdk-schema-keys';
import { hoistDynamicImport, SDK_HTTP_PROTOCOL_FILE } from './sdk-static-imports';
import { settingsSchemaId, settingsVariables } from './settings-schema-id';

/** How {@link bundleFunction} builds; the defaults are the stack's, the others are for `npm run bench:init`. */
export interface BundleOptions {
  /**
   * `external` leaves `@aws-sdk/*` out, as a bundle that relied on the Lambda runtime's SDK would.
   * @default 'bundled'
   */
  readonly sdk?: 'bundled' | 'external';
  /**
   * Whether the SDK's schemas files go through {@link literalTraitKeys}.
   * @default true
   */
  readonly literalSchemaKeys?: boolean;
  /**
   * Whether the SDK's schemas files go through {@link trimErrorRegistry}.
   * @default true
   */
  readonly trimErrors?: boolean;
  /**
   * Whether @smithy/core's dynamic import of its event-stream support goes through {@link hoistDynamicImport}.
   * @default true
   */
  readonly hoistEventStreams?: boolean;
  /**
   * `default-chain` keeps the SDK's default credential chain instead of {@link lambdaCredentials}.
   * @default 'lambda'
   */
  readonly credentials?: 'lambda' | 'default-chain';
}

/** functions/lib/lambda-credentials.ts: the credential chain of a function running in Lambda. */
const LAMBDA_CREDENTIALS = path.join(REPO_ROOT, 'functions', 'lib', 'lambda-credentials.ts');

/**
 * Every client's default credential provider, `@aws-sdk/credential-provider-node`, resolved to
 * functions/lib/lambda-credentials.ts: the environment and the container endpoint, the two sources of credentials a
 * function has in Lambda, without the profile, SSO and instance-metadata code of the others (100 KB a bundle). Only
 * where a client's runtime configuration imports it: anything else that imports it (`fromNodeProviderChain`, say)
 * fails the build rather than silently losing the sources it asked for.
 */
export const lambdaCredentials: Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, ({ importer }) =>
      /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-(es|cjs)[\\/]runtimeConfig\.js$/.test(importer)
        ? { path: LAMBDA_CREDENTIALS }
        : {
            errors: [
              {
                text:
                  `${importer} imports @aws-sdk/credential-provider-node; the function bundles replace it only for the ` +
                  "clients' default provider (infra/bundling.ts, lambdaCredentials)",
              },
            ],
          },
    );
  },
};

/**
 * A plugin that gives esbuild the files matching `filter` as `rewrite` returns their text. One plugin for each set of
 * files: esbuild loads a file with the first `onLoad` that returns its contents, so two rewrites of the same file must
 * be one function.
 */
function sourceRewrite(name: string, filter: RegExp, rewrite: (text: string) => string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, async (args) => ({
        contents: rewrite(await readFile(args.path, 'utf8')),
        loader: 'js',
      }));
    },
  };
}

/** The rewrites of the SDK's generated schemas files (infra/sdk-schema-keys.ts, infra/sdk-error-registry.ts). */
export function sdkSchemas(options: { readonly literalKeys: boolean; readonly trimErrors: boolean }): Plugin {
  return sourceRewrite('sdk-schemas', SDK_SCHEMAS_FILE, (source) => {
    let text = source;
    // Errors first: the registry's reading of traits is written for the keys as the SDK ships them.
    if (options.trimErrors) text = trimErrorRegistry(text).text;
    if (options.literalKeys) text = literalTraitKeys(text).text;
    return text;
  });
}

/**
 * @smithy/core's one dynamic import (its event-stream support) made static (infra/sdk-static-imports.ts), so that
 * esbuild hoists the modules behind it instead of wrapping them.
 */
export const sdkStaticImports: Plugin = sourceRewrite(
  'sdk-static-imports',
  SDK_HTTP_PROTOCOL_FILE,
  (source) => hoistDynamicImport(source).text,
);

/** The package.json of an AWS SDK package (a client, `@aws-sdk/core`, the nested clients). */
export const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/;

/** The SDK's runtime configurations, the only code of the SDK that imports its package.json. */
export const SDK_RUNTIME_CONFIG =
  /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?runtimeConfig(?:\.[a-z]+)?\.js$/;

/** The esbuild namespace of a package.json trimmed to its version (a bundle's metafile names such files with it). */
export const PACKAGE_VERSION_NAMESPACE = 'sdk-package-version';

/**
 * An AWS SDK package's package.json as its runtime configuration reads it: `{ version }`. Each client's runtime
 * configuration imports its package.json whole (`import packageInfo from "../package.json"`) for
 * `packageInfo.version`, which goes into the user agent; a default import of JSON keeps every field (dependencies,
 * scripts, keywords): about 2 KB a client, 19 KB of audit-account. Only for that importer: any other import of a
 * package.json gets the whole file. `test/infra/sdk-package-info.test.ts` checks that the installed SDK's runtime
 * configurations read nothing else, and `bundles.test.ts` that the bundles carry the version alone.
 */
export const sdkPackageVersions: Plugin = {
  name: 'sdk-package-versions',
  setup(build) {
    build.onResolve({ filter: /^(?:\.\.\/)+package\.json$/ }, ({ path: specifier, importer, resolveDir }) => {
      const file = path.resolve(resolveDir, specifier);
      return SDK_RUNTIME_CONFIG.test(importer) && SDK_PACKAGE_JSON.test(file)
        ? { path: file, namespace: PACKAGE_VERSION_NAMESPACE }
        : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: PACKAGE_VERSION_NAMESPACE }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version?: unknown };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/**
 * Modules a function loads on first use, each built as a file of its own beside `index.js` and `require`d from
 * inside the function that needs it, so that code only some settings use is not compiled and run at every cold start.
 * Keyed by the source file; the value is the file's name in the asset, unique, beside `index.js`.
 * - Security Hub's client (report/security-hub-sink.ts) was 32-34 of Publish Report's 127-136 ms on Node.js 24, with
 *   the export off by default.
 * - The current-state checks and their six clients (checks/current-state-checks.ts) were 15-20 of Audit Account's
 *   111-123 ms, with the default run asking for the identity check alone.
 * - The settings' schema (lib/settings.ts), which a function needs only for settings without the stack's fingerprint
 *   (lib/read-settings.ts): compiling it with the bundle cost Publish Report 8 ms on Node.js 24 even unrun.
 * - Each remediation action with its client (remediations/registry.ts), which Remediation Plan and Apply need only
 *   for the actions the settings switch on (none by default) and a finding of the account calls for.
 */
export const LOADED_ON_FIRST_USE: ReadonlyMap<string, string> = new Map([
  [path.join(REPO_ROOT, 'functions', 'report', 'security-hub-sink.ts'), 'security-hub-sink.js'],
  [path.join(REPO_ROOT, 'functions', 'checks', 'current-state-checks.ts'), 'current-state-checks.js'],
  [path.join(REPO_ROOT, 'functions', 'lib', 'settings.ts'), 'settings-schema.js'],
  ...REMEDIATION_IDS.map((id): [string, string] => [
    path.join(REPO_ROOT, 'functions', 'remediations', `${id}.ts`),
    `remediation-${id}.js`,
  ]),
]);
const firstUseFiles = [...LOADED_ON_FIRST_USE.values()];
if (new Set([...firstUseFiles, 'index.js']).size !== firstUseFiles.length + 1) {
  throw new Error('infra/bundling.ts, LOADED_ON_FIRST_USE: each module needs a file name of its own, not index.js');
}

/** The module a specifier names, without its extension: `../report/x` and `../report/x.js` are both `report/x.ts`. */
function withoutExtension(file: string): string {
  return file.replace(/\.(?:[cm]?[jt]s)$/, '');
}

/**
 * Leaves each module of {@link LOADED_ON_FIRST_USE} out of the bundle that `require`s it, as a `require` of the file
 * built beside it, and adds it to `reached`. Any other import of it fails the build: a static import would load it
 * with the bundle, and esbuild would wrap a module imported with `import()` and everything it imports
 * (infra/sdk-static-imports.ts).
 */
export function loadedOnFirstUse(reached: Set<string>): Plugin {
  const modules = new Map(
    [...LOADED_ON_FIRST_USE].map(([source, file]) => [withoutExtension(source), { source, file }]),
  );
  const names = [...modules.keys()].map((module) => path.basename(module).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    name: 'loaded-on-first-use',
    setup(build) {
      build.onResolve({ filter: new RegExp(`(?:^|[\\\\/])(?:${names.join('|')})(?:\\.[cm]?[jt]s)?$`) }, (args) => {
        const module = modules.get(withoutExtension(path.resolve(args.resolveDir, args.path)));
        if (module === undefined || args.kind === 'entry-point') return undefined;
        if (args.kind === 'require-call') {
          reached.add(module.source);
          return { path: `./${module.file}`, external: true };
        }
        return {
          errors: [
            {
              text:
                `${path.relative(REPO_ROOT, args.importer)} imports ${path.relative(REPO_ROOT, module.source)} ` +
                `(${args.kind}), which functions load on first use (infra/bundling.ts, LOADED_ON_FIRST_USE): ` +
                '`require` it inside the function that needs it',
            },
          ],
        };
      });
    },
  };
}

/** One file of a function's asset, and esbuild's account of the code in it. */
export interface BuiltFile {
  readonly outfile: string;
  /**
   * `handler`: index.js, the file Lambda loads. `first-use`: a module of {@link LOADED_ON_FIRST_USE}, loaded by the
   * function that needs it. `shared`: code that two of those use, loaded by the first of them that does. `dynamic`: a
   * module the code loads with `import()`, which esbuild makes a file of its own when it splits (none in the deployed
   * bundles: `bundles.test.ts`; the benchmark's bundle with the SDK's event-stream import as shipped has one).
   */
  readonly kind: 'handler' | 'first-use' | 'shared' | 'dynamic';
  /** The source the file was built from (all but `shared`), relative to the working directory, as esbuild has it. */
  readonly entryPoint?: string;
  /**
   * The sources whose code is in the file, with their bytes there (paths as in {@link entryPoint}). For an asset built
   * in two passes, the bytes are those of the first (ES modules), which the second changes only at the edges.
   */
  readonly inputs: Metafile['outputs'][string]['inputs'];
  /** The files of the asset it `require`s when it loads (not those it loads on first use). */
  readonly requires: readonly string[];
}

/** A function's asset, built by {@link bundleFunction}. */
export interface BuiltBundle {
  /** index.js. */
  readonly outfile: string;
  /**
   * esbuild's account of the build: every source it read, with what each imports (for an asset built in two passes, of
   * the first: its outputs are the ES module files, gone once built).
   */
  readonly metafile: Metafile;
  /** Every file of the asset, index.js first. */
  readonly files: readonly BuiltFile[];
}

/** The files a cold start loads: index.js and the shared files it requires, in turn. */
export function loadedAtStart(bundle: BuiltBundle): BuiltFile[] {
  const byFile = new Map(bundle.files.map((file) => [file.outfile, file]));
  const loaded = new Map<string, BuiltFile>();
  const visit = (outfile: string): void => {
    const file = byFile.get(outfile);
    if (file === undefined || loaded.has(outfile)) return;
    loaded.set(outfile, file);
    for (const required of file.requires) visit(required);
  };
  visit(bundle.outfile);
  return [...loaded.values()];
}

/**
 * Fails when a module of {@link LOADED_ON_FIRST_USE} went into a file other than its own: reached by a path the plugin
 * did not recognise (an alias, a symbolic link), it would be bundled in index.js or a shared file, and the load it was
 * split off to save would come back without a word.
 */
export function assertLoadedOnFirstUseApart(
  files: readonly Pick<BuiltFile, 'outfile' | 'entryPoint' | 'inputs'>[],
): void {
  for (const { outfile, entryPoint, inputs } of files) {
    const own = entryPoint === undefined ? undefined : path.resolve(entryPoint);
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      const source = path.resolve(input);
      if (source !== own && bytesInOutput > 0 && LOADED_ON_FIRST_USE.has(source)) {
        throw new Error(
          `${path.relative(REPO_ROOT, source)} went into ${path.basename(outfile)}, though functions load it on first ` +
            'use (infra/bundling.ts, LOADED_ON_FIRST_USE): import it with a relative path, through `require`',
        );
      }
    }
  }
}

/** What every file of an asset is, whichever pass writes it: for Node.js 24, minified, with a map to the sources. */
const EMITTED = {
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
} satisfies BuildOptions;

/** The name of each shared file: its content's hash, so that a build of the same code gives the same asset. */
const SHARED_NAMES = 'shared-[hash]';

/**
 * Builds one function's asset into `dir`, which must be empty or not exist: `index.js` (the handler) and its source
 * map, and for a function that `require`s modules of {@link LOADED_ON_FIRST_USE}, a file for each and the code they
 * share with `index.js` in files of their own. CommonJS for Node.js 24 (the Lambda runtime), minified, with the AWS SDK
 * bundled: the functions run the SDK versions of package-lock.json, the ones every test ran with, not whatever the
 * Lambda runtime ships (figures and the decision: README, "Cold start").
 * - The SDK's ES module builds first (`mainFields`): `dist-es` lets esbuild leave out the commands a function never
 *   sends, where `dist-cjs` is one file per client that loads whole (EC2's alone took 450 ms to load).
 * - {@link literalTraitKeys} lets it leave out the schemas of those commands too (audit-account: 1,549 KB → 629 KB),
 *   and {@link trimErrorRegistry} the error classes the functions tell apart by name alone (audit-account: 629 KB →
 *   534 KB).
 * - {@link sdkStaticImports} lets it hoist the SDK's serde and stream modules instead of wrapping them, which a
 *   dynamic import made it do (6–7 KB and about 6 ms of module load less); {@link sdkPackageVersions} keeps only the
 *   version of each SDK package.json, the one field the SDK reads.
 * - {@link lambdaCredentials} gives the clients the credential chain of a Lambda function (about 100 KB less in
 *   every bundle).
 * - Source maps without the sources' text: a stack trace still names the TypeScript file and line, and the map Node
 *   reads at load is 60 % smaller.
 * - {@link loadedOnFirstUse} finds the modules of {@link LOADED_ON_FIRST_USE} the function `require`s. A function
 *   without one is that one CommonJS build. A function with one is built again, in two passes: esbuild shares code
 *   between entry points only in ES module output, and Node.js's ES module loader costs more at load than it saves
 *   (README, "Cold start"). First ES modules with code splitting, the handler and each such module an entry point,
 *   what two of them use in `shared-<hash>.js`, into a directory of its own; then each file, as it is, to CommonJS
 *   (`import` becomes `require`, `export` `module.exports`), with the source maps carried through to the sources. Each
 *   file loaded on first use thus holds only what `index.js` does not, instead of a copy of the SDK's core. A file
 *   that nothing loads (esbuild makes one for each `import()` of a bundled module, even one shaken out) is left out.
 *   A shared file's modules run before those of the file that requires it, whatever the order of the imports (as
 *   esbuild splits code): no module here sets up, at load, state another one reads at load, and the bundled handlers
 *   run against moto in test/infra/loaded-on-first-use.test.ts.
 */
export async function bundleFunction(name: string, dir: string, options: BundleOptions = {}): Promise<BuiltBundle> {
  const {
    sdk = 'bundled',
    literalSchemaKeys = true,
    trimErrors = true,
    hoistEventStreams = true,
    credentials = 'lambda',
  } = options;
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // A file left from another build would ship with this one (a shared file of another hash, say).
    throw new Error(`bundleFunction writes into an empty directory, and ${dir} is not: give a new one`);
  }
  const handler = handlerEntry(name);
  const outfile = path.join(dir, 'index.js');
  const common = {
    ...EMITTED,
    bundle: true,
    mainFields: ['module', 'main'],
    external: sdk === 'external' ? ['@aws-sdk/*'] : [],
    // The identity of the settings' schema the bundle carries, against which it checks the stack's fingerprint.
    define: { CT_AUDIT_SETTINGS_SCHEMA_ID: JSON.stringify(settingsSchemaId()) },
    metafile: true,
  } satisfies BuildOptions;
  const plugins = (reached: Set<string>): Plugin[] => [
    ...(literalSchemaKeys || trimErrors ? [sdkSchemas({ literalKeys: literalSchemaKeys, trimErrors })] : []),
    ...(hoistEventStreams ? [sdkStaticImports] : []),
    sdkPackageVersions,
    ...(credentials === 'lambda' && sdk === 'bundled' ? [lambdaCredentials] : []),
    loadedOnFirstUse(reached),
  ];

  // One CommonJS file, which tells which modules the function loads on first use.
  let firstUse = new Set<string>();
  const single = await build({ ...common, entryPoints: [handler], outfile, format: 'cjs', plugins: plugins(firstUse) });
  if (firstUse.size === 0) {
    const output = Object.values(single.metafile.outputs).find(({ entryPoint }) => entryPoint !== undefined);
    const file: BuiltFile = {
      outfile,
      kind: 'handler',
      ...(output?.entryPoint === undefined ? {} : { entryPoint: output.entryPoint }),
      inputs: output?.inputs ?? {},
      requires: [],
    };
    assertLoadedOnFirstUseApart([file]);
    return { outfile, metafile: single.metafile, files: [file] };
  }
  await rm(dir, { recursive: true, force: true });

  const esmDir = await mkdtemp(path.join(tmpdir(), `ct-audit-${name}-`));
  /** Where a file of the ES module pass goes in the asset. */
  const inAsset = (file: string) => path.join(dir, path.relative(esmDir, path.resolve(file)));
  try {
    const buildModules = async (reached: Set<string>): Promise<Metafile> => {
      await rm(esmDir, { recursive: true, force: true });
      const entryPoints = [
        { in: handler, out: 'index' },
        // In the order of LOADED_ON_FIRST_USE, not the order esbuild happened to reach them: the entry points' order
        // shapes the output, and the asset's hash is the output's.
        ...[...LOADED_ON_FIRST_USE.keys()]
          .filter((source) => firstUse.has(source))
          .map((source) => ({
            in: source,
            out: (LOADED_ON_FIRST_USE.get(source) as string).replace(/\.js$/, ''),
          })),
      ];
      const built = await build({
        ...common,
        entryPoints,
        outdir: esmDir,
        splitting: true,
        chunkNames: SHARED_NAMES,
        format: 'esm',
        plugins: plugins(reached),
      });
      return built.metafile;
    };
    // Each module found loaded on first use becomes an entry point; build again until no new one is found (a module
    // loaded on first use may load another).
    let metafile: Metafile;
    for (;;) {
      const reached = new Set<string>();
      metafile = await buildModules(reached);
      if ([...reached].every((source) => firstUse.has(source))) break;
      firstUse = new Set([...firstUse, ...reached]);
    }

    // The files the entry points load, in turn: a file esbuild wrote that none of them loads is left out.
    const outputs = new Map(Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js')));
    const shipped = new Map<string, Metafile['outputs'][string]>();
    const visit = (file: string): void => {
      const output = outputs.get(file);
      if (output === undefined || shipped.has(file)) return;
      shipped.set(file, output);
      for (const { path: imported, external } of output.imports) if (!external) visit(imported);
    };
    const entries = new Set([handler, ...firstUse]);
    for (const [file, { entryPoint }] of outputs) {
      if (entryPoint !== undefined && entries.has(path.resolve(entryPoint))) visit(file);
    }
    if (![...shipped.keys()].some((file) => inAsset(file) === outfile)) {
      throw new Error(`bundling functions/${name}: esbuild wrote no index.js for ${path.relative(REPO_ROOT, handler)}`);
    }

    // The ES module maps, read before the second pass: a file of esbuild's own helpers alone has an empty one.
    const sourceCount = new Map(
      await Promise.all(
        [...shipped.keys()].map(async (file): Promise<[string, number]> => {
          const map = JSON.parse(await readFile(`${path.resolve(file)}.map`, 'utf8')) as { sources: string[] };
          return [file, map.sources.length];
        }),
      ),
    );
    await build({
      ...EMITTED,
      entryPoints: [...shipped.keys()].map((file) => path.resolve(file)),
      outdir: dir,
      outbase: esmDir,
      bundle: false,
      format: 'cjs',
    });
    // The second pass follows each file's map to the sources, but not an empty one: its map would name the file in
    // between, gone once built. That file holds no source, so its map is left empty. Any other map that leads there
    // is an error, not a map quietly emptied.
    await Promise.all(
      [...shipped.keys()].map(async (file) => {
        const mapFile = `${inAsset(file)}.map`;
        const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[] };
        const between = map.sources.filter((source) =>
          path.resolve(path.dirname(mapFile), source).startsWith(`${esmDir}${path.sep}`),
        );
        if (between.length === 0) return;
        if (sourceCount.get(file) !== 0) {
          throw new Error(
            `bundling functions/${name}: the source map of ${path.basename(file)} leads to the ES module build, not ` +
              'to the sources: esbuild did not carry its map through',
          );
        }
        await writeFile(mapFile, `${JSON.stringify({ version: 3, sources: [], names: [], mappings: '' })}\n`);
      }),
    );
    const kindOf = (entryPoint: string | undefined): BuiltFile['kind'] => {
      if (entryPoint === undefined) return 'shared';
      const source = path.resolve(entryPoint);
      return source === handler ? 'handler' : firstUse.has(source) ? 'first-use' : 'dynamic';
    };
    const files = [...shipped].map(
      ([file, output]): BuiltFile => ({
        outfile: inAsset(file),
        kind: kindOf(output.entryPoint),
        ...(output.entryPoint === undefined ? {} : { entryPoint: output.entryPoint }),
        inputs: output.inputs,
        requires: output.imports
          .filter(({ external, kind }) => !external && kind === 'import-statement')
          .map(({ path: imported }) => inAsset(imported)),
      }),
    );
    files.sort((a, b) => Number(b.kind === 'handler') - Number(a.kind === 'handler'));
    assertLoadedOnFirstUseApart(files);
    return { outfile, metafile, files };
  } finally {
    await rm(esmDir, { recursive: true, force: true });
  }
}

/** The command line that runs {@link bundleFunction} in a process of its own: `<name> <dir>`. */
const BUNDLE_CLI = path.join(__dirname, 'bundle-function.ts');

/**
 * {@link bundleFunction} for a caller that cannot wait for a promise (CDK's local bundling is synchronous, and
 * esbuild runs plugins only in its asynchronous API): a child `node` process with tsx runs it. Throws with esbuild's
 * messages when the build fails.
 */
export function bundleFunctionSync(name: string, dir: string): void {
  const child = spawnSync(process.execPath, ['--import', 'tsx', BUNDLE_CLI, name, dir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.status !== 0) {
    throw new Error(
      `Bundling functions/${name} failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}); ` +
        'esbuild says why above (run `npm ci` if the child could not load tsx).',
    );
  }
}

/** `NODE_OPTIONS` of every function: stack traces in the logs point into the TypeScript sources. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/** The default settings as the stack writes them: validated, with their fingerprint (functions/lib/read-settings.ts). */
const DEFAULT_SETTINGS_JSON = JSON.stringify(parseSettings({}));

/**
 * The environment a bundle needs to load outside Lambda, as the stack sets it up (source maps, the default settings
 * with their fingerprint, the report bucket, a region) with credentials that are no one's and an endpoint that answers
 * nothing: loading makes no call. For `npm run bench:init` and the test that loads every bundle.
 */
export const BUNDLE_LOAD_ENV: Readonly<Record<string, string>> = {
  PATH: process.env.PATH ?? '',
  NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'not-a-key',
  AWS_SECRET_ACCESS_KEY: 'not-a-secret',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_SERVICE_NAME: 'ct-audit',
  ...settingsVariables(DEFAULT_SETTINGS_JSON),
  REPORT_BUCKET: 'not-a-report-bucket',
};

/** The folders under functions/ with a handler.ts: one function each. */
export function handlerNames(): string[] {
  const functions = path.join(REPO_ROOT, 'functions');
  return readdirSync(functions)
    .filter((name) => existsSync(handlerEntry(name)))
    .sort();
}
