import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { s3Client } from '../functions/lib/clients';
import { errorMessage, errorName } from '../functions/lib/errors';
import { LocalReportStore, type ReportStore, S3ReportStore, TeeReportStore } from '../functions/lib/report-store';
import type { Settings } from '../functions/lib/settings';
import { parseExecutionInput } from '../functions/resolve-targets/input';
import { registerApproval } from './commands/approve';
import { registerRemediate } from './commands/remediate';
import { registerReportCommand } from './commands/report';
import { sandboxRemediate } from './commands/sandbox-remediate';
import { registerUndo } from './commands/undo';
import { assertSafeEndpoint } from './endpoint';
import { type LocalCredentials, type LocalRunResult, runLocal } from './engine';
import { Progress, renderSummary, type Writer } from './output';
import { startGateway } from './sandbox/gateway';
import { startMoto } from './sandbox/moto';
import { MAX_SANDBOX_MEMBERS, MIN_SANDBOX_MEMBERS, seedSandbox } from './sandbox/seed';
import { readSettingsFile, resolveSettings } from './settings-file';

/** Exit codes: the contract with scripts and CI jobs that call ct-audit. */
export const EXIT = { passed: 0, issues: 1, invalid: 2 } as const;

/** Where the CLI writes. */
export interface Io {
  readonly stdout: Writer;
  readonly stderr: Writer & NodeJS.WritableStream;
}

/** A problem with what the user asked for: printed as one line, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const INVALID_NAMES = new Set(['InvalidInput', 'InvalidSettings', 'UsageError', 'EmulatorError', 'RangeError']);

interface RunFlags {
  accounts?: string[];
  checks?: string[];
  mode?: string;
  role?: string;
  maxConcurrency?: number;
  input?: Record<string, unknown>;
  summaryFile?: string;
  json?: boolean;
  endpoint?: string;
  settings?: string;
  reportDir: string;
  reportBucket?: string;
  logArchiveAccount?: string;
  logArchiveBucket?: string;
  organizationId?: string;
  regions?: string[];
  progress: boolean;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function wholeNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number (got "${value}")`);
    return Number(value);
  };
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`--input is not valid JSON: ${errorMessage(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('--input must be a JSON object, e.g. {"TargetAccountId":"111111111111"}');
  }
  return parsed as Record<string, unknown>;
}

/** The execution input the flags describe: `--input` first, then each flag given. */
export function executionInput(flags: RunFlags, accounts = flags.accounts): Record<string, unknown> {
  return {
    ...(flags.input ?? {}),
    ...(accounts ? { accounts } : {}),
    ...(flags.checks ? { checks: flags.checks } : {}),
    ...(flags.mode ? { mode: flags.mode } : {}),
    ...(flags.role ? { role: flags.role } : {}),
    ...(flags.maxConcurrency !== undefined ? { maxConcurrency: flags.maxConcurrency } : {}),
  };
}

/** Settings from flags, on top of the settings file. */
function flagSettings(flags: RunFlags) {
  return {
    ...(flags.regions ? { regions: flags.regions } : {}),
    ...(flags.organizationId ? { organizationId: flags.organizationId } : {}),
    logArchive: {
      ...(flags.logArchiveAccount ? { accountId: flags.logArchiveAccount } : {}),
      ...(flags.logArchiveBucket ? { bucket: flags.logArchiveBucket } : {}),
    },
  };
}

function addRunOptions(command: Command, { sandbox }: { sandbox: boolean }): Command {
  if (!sandbox) {
    command
      .option('--accounts <ids>', 'audit only these accounts (comma-separated 12-digit IDs)', list)
      .option('--input <json>', 'the execution input as JSON, as start-execution takes it', jsonObject)
      .option('--endpoint <url>', 'send every AWS call to this endpoint (an AWS-compatible emulator)')
      .option('--report-bucket <name>', 'also write the run records to this S3 bucket');
  }
  return command
    .option('--checks <ids>', 'checks to run (comma-separated)', list)
    .option('--mode <mode>', 'what the run does', undefined)
    .option('--role <role>', 'Control Tower execution role to assume: readOnly or admin')
    .option('--max-concurrency <n>', 'accounts audited at once', wholeNumber('--max-concurrency'))
    .option('--summary-file <path>', 'write the summary JSON to this file')
    .option('--json', 'print the summary JSON on stdout instead of the table')
    .option(
      '--settings <path>',
      sandbox
        ? 'settings file (cdk.json or settings JSON); the sandbox ignores ./cdk.json unless named here'
        : 'settings file (cdk.json or settings JSON) (default: ./cdk.json)',
    )
    .option('--report-dir <dir>', 'where run records go', 'audit-reports')
    .option('--log-archive-account <id>', 'Log Archive account ID (CloudTrail checks)')
    .option('--log-archive-bucket <name>', 'Log Archive bucket (CloudTrail checks)')
    .option('--organization-id <id>', 'organization ID, o-... (CloudTrail checks; default: asked of Organizations)')
    .option('--regions <regions>', 'governed regions (comma-separated)', list)
    .option('--no-progress', 'no progress bar on stderr');
}

/** Runs the workflow and prints the outcome; returns the exit code. */
async function execute(
  io: Io,
  flags: RunFlags,
  settings: Settings,
  input: Record<string, unknown>,
  credentials: LocalCredentials | undefined,
): Promise<number> {
  let store: ReportStore = new LocalReportStore(resolve(flags.reportDir));
  if (flags.reportBucket) store = new TeeReportStore(store, new S3ReportStore(flags.reportBucket, s3Client()));
  const progress = new Progress(io.stderr, flags.progress && !flags.json);
  let result: LocalRunResult;
  try {
    result = await runLocal({
      settings,
      input,
      store,
      ...(credentials ? { credentials } : {}),
      onTargets: (count) => progress.start(count),
      onAccountDone: (_, status) => progress.account(status),
    });
  } finally {
    progress.stop();
  }
  return report(io, flags, result);
}

async function report(io: Io, flags: RunFlags, result: LocalRunResult): Promise<number> {
  if (!result.summary) {
    const error = result.error ?? { error: 'States.Runtime', cause: 'the run ended without a summary' };
    const what = INVALID_NAMES.has(error.error) ? 'invalid input' : 'the run could not complete';
    io.stderr.write(`ct-audit: ${what}: ${error.error}: ${error.cause}\n`);
    return EXIT.invalid;
  }
  if (flags.summaryFile) {
    const path = resolve(flags.summaryFile);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result.summary, null, 2)}\n`);
  }
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
  } else {
    io.stdout.write(renderSummary(result.summary, { width: process.stdout.columns ?? 140 }));
    if (result.endState) io.stdout.write(`Outcome: ${result.endState}\n`);
  }
  const html = join(resolve(flags.reportDir), result.executionName, 'report.html');
  if (existsSync(html)) (flags.json ? io.stderr : io.stdout).write(`Report: ${html}\n`);
  const { totals } = result.summary;
  return totals.fail + totals.error > 0 ? EXIT.issues : EXIT.passed;
}

async function runCommand(io: Io, flags: RunFlags): Promise<number> {
  if (flags.endpoint) {
    try {
      new URL(flags.endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL like http://127.0.0.1:5000 (got "${flags.endpoint}")`);
    }
    assertSafeEndpoint(flags.endpoint);
    process.env.AWS_ENDPOINT_URL = flags.endpoint;
  }
  const settings = resolveSettings(readSettingsFile(flags.settings), flagSettings(flags));
  const input = executionInput(flags);
  parseExecutionInput(input, settings);
  return execute(io, flags, settings, input, undefined);
}

async function sandboxCommand(
  io: Io,
  flags: RunFlags & { accounts?: unknown; members: number; plant: boolean; remediate?: boolean; approve?: boolean },
): Promise<number> {
  const userSettings = flags.settings ? readSettingsFile(flags.settings) : {};
  const input = executionInput(flags, undefined);
  // Validate before starting anything, so that a typo costs no emulator start.
  parseExecutionInput(input, resolveSettings(userSettings, flagSettings(flags)));

  const started = Date.now();
  const moto = await startMoto();
  const stopAll: (() => Promise<void>)[] = [moto.stop];
  const onSignal = () => {
    void Promise.all(stopAll.map((stop) => stop())).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const gateway = await startGateway(moto.url);
    stopAll.unshift(gateway.close);
    io.stderr.write(`Sandbox: moto at ${moto.url}; seeding ${flags.members} member accounts...\n`);
    const organization = await seedSandbox(gateway.url, { members: flags.members, plant: flags.plant });
    io.stderr.write(
      `Sandbox: organization ${organization.organizationId} with ${organization.members.length} member accounts, ` +
        `seeded in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
    process.env.AWS_ENDPOINT_URL = gateway.url;
    process.env.AWS_REGION ??= 'us-east-1';
    const settings = resolveSettings(userSettings, organization.settings, flagSettings(flags));
    if (flags.remediate) return await sandboxRemediate(io, flags, settings, organization);
    return await execute(io, flags, settings, input, organization.credentials);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const stop of stopAll) await stop();
  }
}

/** The commander program, wired to write through `io`. */
export function program(io: Io, done: (code: number) => void): Command {
  const root = new Command('ct-audit')
    .description('Audit an AWS Control Tower landing zone: reachability of every account, CloudTrail delivery')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run ct-audit --help for usage)');

  addRunOptions(
    root
      .command('run')
      .description('run the audit workflow locally with the AWS credentials of the shell (or against --endpoint)')
      .exitOverride(),
    { sandbox: false },
  ).action(async (flags: RunFlags) => done(await runCommand(io, flags)));

  addRunOptions(
    root
      .command('sandbox')
      .description('start a local emulator, seed a Control Tower-shaped organization, audit it, stop the emulator')
      .exitOverride()
      .addOption(
        new Option('--accounts <n>', `member accounts to seed (${MIN_SANDBOX_MEMBERS}-${MAX_SANDBOX_MEMBERS})`)
          .argParser(wholeNumber('--accounts'))
          .default(12),
      )
      .option('--clean', 'seed no planted problems: every account should pass')
      .option('--remediate', 'then plan, approve, apply and verify the remediations, and audit again')
      .option('--approve', 'with --remediate: approve the plan without asking'),
    { sandbox: true },
  ).action(async (flags: RunFlags & { accounts: number; clean?: boolean; remediate?: boolean; approve?: boolean }) =>
    done(await sandboxCommand(io, { ...flags, members: flags.accounts, accounts: undefined, plant: !flags.clean })),
  );
  registerReportCommand(root, io, done);
  registerRemediate(root, io, done);
  registerUndo(root, io, done);
  registerApproval(root, io, done);
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
