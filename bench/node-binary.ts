/**
 * `--node <path>` of the benchmarks: the Node.js that runs what they measure, such as the Lambda runtime's version
 * (README, "Cold start", tells how to get one without installing it). This process's own Node.js when left out.
 */
import { spawnSync } from 'node:child_process';

/** The Node.js binary the benchmark runs its children with. */
export function benchNode(argv: readonly string[] = process.argv): string {
  const index = argv.indexOf('--node');
  return (index >= 0 ? argv[index + 1] : undefined) ?? process.execPath;
}

/** `node --version` of the Node.js at `path`; a named error when it does not run. */
export function nodeVersion(path: string): string {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) {
    throw new Error(
      `--node ${path}: it does not run (${out.error?.message ?? `exit ${out.status}`}); give a node binary`,
    );
  }
  return out.stdout.trim();
}
