/**
 * How every function is bundled: one definition for the function preset (infra/constructs/audit-function.ts) and for
 * `npm run bench:init`, so that the cold-start figures are those of the code the stack deploys.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { handlerEntry, REPO_ROOT } from './paths';

/** esbuild options of every function bundle (NodejsFunction's own defaults aside: CommonJS, platform node). */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: true,
  /** The Lambda runtime (`NODEJS_24_X`). */
  target: 'node24',
  /**
   * The AWS SDK is bundled: the functions run the SDK versions of package-lock.json, the ones every test ran with,
   * not whatever the Lambda runtime ships. Figures and the decision: README, "Cold start".
   */
  externalModules: [] as string[],
  /**
   * The ES module builds first: the SDK's `dist-es` lets esbuild leave out the commands and schemas a function never
   * uses, where `dist-cjs` is one file per client that loads whole (EC2's alone took 450 ms to load; README).
   */
  mainFields: ['module', 'main'],
} as const;

/** `NODE_OPTIONS` of every function: stack traces in the logs point into the TypeScript sources. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * The environment a bundle needs to load outside Lambda, as the stack sets it up (source maps, settings, the report
 * bucket, a region) with credentials that are no one's and an endpoint that answers nothing: loading makes no call.
 * For `npm run bench:init` and the test that loads every bundle.
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
  CT_AUDIT_SETTINGS: '{}',
  REPORT_BUCKET: 'not-a-report-bucket',
};

/** The folders under functions/ with a handler.ts: one function each. */
export function handlerNames(): string[] {
  const functions = path.join(REPO_ROOT, 'functions');
  return readdirSync(functions)
    .filter((name) => existsSync(handlerEntry(name)))
    .sort();
}

/**
 * Builds one function's bundle outside CDK, with the options the stack uses (NodejsFunction's own defaults:
 * CommonJS, platform node; and {@link FUNCTION_BUNDLING}). `sdk: 'external'` leaves `@aws-sdk/*` out, as a bundle
 * that relied on the Lambda runtime's SDK would. For `npm run bench:init` and the test that loads every bundle.
 */
export function buildFunctionBundle(name: string, outdir: string, sdk: 'bundled' | 'external' = 'bundled'): string {
  const outfile = path.join(outdir, sdk, name, 'index.js');
  buildSync({
    entryPoints: [handlerEntry(name)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: sdk === 'external' ? ['@aws-sdk/*'] : [...FUNCTION_BUNDLING.externalModules],
    logLevel: 'silent',
  });
  return outfile;
}
