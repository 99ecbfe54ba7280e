import * as path from 'node:path';

/** The repository root, found from this file rather than the working directory. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The workflow definition that both the stack and the local engine run. */
export const STATE_MACHINE_DEFINITION = path.join(REPO_ROOT, 'statemachine', 'audit.asl.json');

/** The handler of the function in `functions/<name>/handler.ts`. */
export function handlerEntry(name: string): string {
  return path.join(REPO_ROOT, 'functions', name, 'handler.ts');
}
