import type { Writer } from './output';

/** Exit codes: the contract with scripts and CI jobs that call ct-audit. */
export const EXIT = { passed: 0, issues: 1, invalid: 2 } as const;

/** Where the CLI writes. */
export interface Io {
  readonly stdout: Writer;
  readonly stderr: Writer & NodeJS.WritableStream;
}

/** What a command gets: where to write, and how to hand back its exit code. */
export interface CommandContext {
  readonly io: Io;
  readonly done: (code: number) => void;
}

/** A problem with what the user asked for: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Error names printed without their name: the message says it all. */
export const INVALID_NAMES: ReadonlySet<string> = new Set([
  'InvalidInput',
  'InvalidSettings',
  'UsageError',
  'EmulatorError',
  'RangeError',
]);
