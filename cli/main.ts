import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { errorMessage, errorName } from '../functions/lib/errors';
import { registerApproval } from './commands/approve';
import { registerRemediate } from './commands/remediate';
import { registerReportCommand } from './commands/report';
import { registerRun } from './commands/run';
import { registerSandbox } from './commands/sandbox';
import { registerShow } from './commands/show';
import { registerStart } from './commands/start';
import { registerUndo } from './commands/undo';
import { type CommandContext, EXIT, INVALID_NAMES, type Io } from './context';

export { executionInput } from './commands/options';
export { EXIT, type Io } from './context';

/**
 * The commands, each in its own file under cli/commands/ with a `register<Name>` function: a new command is one
 * file and one line here. Those of the audit take `(root, context)`; `report`, `remediate`, `undo` and
 * `approve`/`reject` take `(root, io, done)` and get a one-line adapter.
 */
const COMMANDS: readonly ((root: Command, context: CommandContext) => void)[] = [
  registerRun,
  registerSandbox,
  registerStart,
  registerShow,
  (root, { io, done }) => registerReportCommand(root, io, done),
  (root, { io, done }) => registerRemediate(root, io, done),
  (root, { io, done }) => registerUndo(root, io, done),
  (root, { io, done }) => registerApproval(root, io, done),
];

/** The version in package.json. */
function version(): string {
  const text = readFileSync(join(__dirname, '..', 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** The commander program, wired to write through `io`. */
export function program(io: Io, done: (code: number) => void): Command {
  const root = new Command('ct-audit')
    .description(
      'Audit an AWS Control Tower landing zone: reachability of every account, CloudTrail delivery, alarming ' +
        'CloudTrail events, and what is exposed now (open security groups, public buckets, KMS keys pending ' +
        'deletion, security services off); remediate what is exposed',
    )
    .version(version(), '-V, --version', 'print the version of ct-audit')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run ct-audit --help for usage)');
  for (const register of COMMANDS) register(root, { io, done });
  return root;
}

/** Runs ct-audit with the given arguments; resolves to the exit code. Never calls process.exit. */
export async function main(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let code: number = EXIT.invalid;
  try {
    await program(io, (exitCode) => {
      code = exitCode;
    }).parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error (already printed).
      return error.exitCode === 0 ? EXIT.passed : EXIT.invalid;
    }
    const name = errorName(error) ?? 'Error';
    const what = INVALID_NAMES.has(name) ? '' : `${name}: `;
    io.stderr.write(`ct-audit: ${what}${errorMessage(error)}\n`);
    return EXIT.invalid;
  }
}
