/**
 * The command-line options of the benchmarks (`--name value`), and `--node <path>`: the Node.js that runs what they
 * measure, such as the Lambda runtime's version (README, "Cold start", tells how to get one without installing it).
 */
import { spawnSync } from 'node:child_process';

/** The value after `--name`, or undefined when the option is not given. */
export function argValue(name: string, argv: readonly string[] = process.argv): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
}

/** The Node.js binary the benchmark runs its children with: `--node`, else this process's own. */
export function benchNode(argv: readonly string[] = process.argv): string {
  return argValue('node', argv) ?? process.execPath;
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
