/**
 * `node --import tsx infra/bundle-function.ts <name> <dir>`: builds functions/<name>'s bundle into <dir>. The stack's
 * local bundling runs this (infra/bundling.ts, `bundleFunctionSync`), because esbuild runs plugins only in its
 * asynchronous API and CDK bundles synchronously.
 */
import { bundleFunction } from './bundling';

const [name, dir] = process.argv.slice(2);
if (name === undefined || dir === undefined) {
  process.stderr.write('usage: bundle-function <name under functions/> <output directory>\n');
  process.exit(2);
}
bundleFunction(name, dir).catch((error: unknown) => {
  // A build error's messages are printed by esbuild (logLevel 'warning'); anything else is printed here.
  if (!Array.isArray((error as { errors?: unknown } | null)?.errors)) console.error(error);
  process.exitCode = 1;
});
