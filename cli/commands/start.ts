import { existsSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { missingSettingsFor } from '../../functions/checks/required';
import { awsClient, configureClientTimeouts, s3Client } from '../../functions/lib/clients';
import { errorMessage, errorName, InvalidInputError } from '../../functions/lib/errors';
import { partitionOf } from '../../functions/lib/partition';
import { type ReportStore, S3ReportStore } from '../../functions/lib/report-store';
import { missingSettingsMessage } from '../../functions/lib/required-settings';
import { cleanText } from '../../functions/lib/text';
import type { RunSummary } from '../../functions/lib/types';
import { parseExecutionInput } from '../../functions/resolve-targets/input';
import { type CommandContext, EXIT, type Io, UsageError } from '../context';
import { Progress, summaryHasIssues } from '../output';
import { readSettingsFile, resolveSettings } from '../settings-file';
import { requireCredentials } from './local';
import { addInputOptions, addOutputOptions, executionInput, type RunFlags } from './options';
import { printOutcome } from './outcome';

/** The stack `cdk deploy` creates. */
export const DEFAULT_STACK_NAME = 'ControlTowerAudit';

/** Polling of a deployed run: the first look soon, then less often, never more than this apart. */
export const POLL_MS = { first: 1_000, max: 10_000, factor: 1.5 } as const;

/** The flags of `start`. */
export interface StartFlags extends Partial<RunFlags> {
  readonly stackName: string;
  readonly stateMachineArn?: string;
  readonly reportBucket?: string;
  readonly name?: string;
  readonly wait: boolean;
  readonly progress: boolean;
}

/** What `start` talks to; tests pass fakes. */
export interface StartDeps {
  readonly sfn: SFNClient;
  readonly cloudformation: CloudFormationClient;
  readonly store: (bucket: string) => ReportStore;
  readonly wait: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** Checks that credentials exist; the default asks the SDK's provider chain. */
  readonly requireCredentials: () => Promise<void>;
}

function defaultDeps(): StartDeps {
  return {
    sfn: awsClient(SFNClient),
    cloudformation: awsClient(CloudFormationClient),
    store: (bucket) => new S3ReportStore(bucket, s3Client()),
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    requireCredentials: () => requireCredentials(),
  };
}

/** `ct-audit start`: starts the deployed state machine and follows it. */
export function registerStart(root: Command, { io, done }: CommandContext): void {
  const command = root
    .command('start')
    .description(
      'start the deployed workflow (stack ControlTowerAudit) with the same flags as run, follow it, print the table',
    )
    .exitOverride();
  addOutputOptions(addInputOptions(command, { accounts: true }))
    .option('--stack-name <name>', 'the stack whose outputs name the state machine and the bucket', DEFAULT_STACK_NAME)
    .option('--state-machine-arn <arn>', 'the state machine to start (default: the stack output StateMachineArn)')
    .option(
      '--report-bucket <name>',
      'where summary.json is read (default: the stack output ReportBucketName; your role must be in reportReaders)',
    )
    .option('--name <name>', 'the execution name, which is the run ID (default: ct-audit-<time>-<random>)')
    .option(
      '--settings <path>',
      'settings file the stack was deployed with, to validate the input (default: ./cdk.json; without one, only ' +
        "the input's form is checked here, and the deployed Resolve Targets judges role, concurrency and settings)",
    )
    .option('--no-wait', 'print the execution ARN and return without following the run')
    .action(async (flags: StartFlags) => done(await startCommand(io, flags)));
}

/** The console page of an execution. */
export function consoleLink(executionArn: string): string {
  const region = executionArn.split(':')[3] ?? 'us-east-1';
  const host: Record<string, string> = {
    'aws-us-gov': 'console.amazonaws-us-gov.com',
    'aws-cn': 'console.amazonaws.cn',
  };
  const domain = host[partitionOf(region)] ?? `${region}.console.aws.amazon.com`;
  return `https://${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function executionName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `ct-audit-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The state machine and report bucket: the flags, else the stack's outputs. */
async function locate(flags: StartFlags, deps: StartDeps): Promise<{ stateMachineArn: string; bucket: string }> {
  if (flags.stateMachineArn && flags.reportBucket) {
    return { stateMachineArn: flags.stateMachineArn, bucket: flags.reportBucket };
  }
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: flags.stackName }));
    outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
  } catch (error) {
    throw new UsageError(
      `cannot read the outputs of stack ${flags.stackName} (${errorName(error)}: ${errorMessage(error)}): ` +
        'deploy it in this account and region (AWS_REGION), or give --state-machine-arn and --report-bucket',
    );
  }
  const stateMachineArn = flags.stateMachineArn ?? outputs.StateMachineArn;
  const bucket = flags.reportBucket ?? outputs.ReportBucketName;
  if (!stateMachineArn || !bucket) {
    throw new UsageError(`stack ${flags.stackName} has no StateMachineArn or ReportBucketName output`);
  }
  return { stateMachineArn, bucket };
}

/**
 * The same validation as `run`, against the settings the stack was deployed with when they are here. Without them
 * only the input's form is checked: whether the deployment allows role admin (`adminEnabled`) or this much
 * concurrency (`concurrencyLimit`), and has the settings the checks need, is the deployed Resolve Targets' to say;
 * the defaults would refuse what the stack may allow.
 */
function validate(flags: StartFlags, input: Record<string, unknown>): void {
  const haveSettings = Boolean(flags.settings) || existsSync('cdk.json');
  const settings = resolveSettings(readSettingsFile(flags.settings));
  configureClientTimeouts(settings.sdk);
  if (!haveSettings) {
    parseExecutionInput(input, { ...settings, adminEnabled: true, concurrencyLimit: Number.POSITIVE_INFINITY });
    return;
  }
  const request = parseExecutionInput(input, settings);
  const missing = missingSettingsFor(request.checks, settings, { organizationDiscoverable: true });
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${missingSettingsMessage(missing, { flags: false })} in the settings the stack is deployed with; ` +
        'set them in cdk.json and deploy again',
    );
  }
}

/** The message of a failed execution: a Lambda error's JSON cause is unwrapped to its message. */
function failureOf(execution: DescribeExecutionCommandOutput): { error: string; cause: string } {
  const error = execution.error ?? execution.status ?? 'FAILED';
  let cause = execution.cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch {
    // A plain-text cause (a Fail state's) is shown as it is.
  }
  return { error, cause: cleanText(cause, 2_000) };
}

/** The Map Run's item counts, as the progress bar shows them; undefined until the Map has started. */
async function mapProgress(sfn: SFNClient, executionArn: string) {
  const { mapRuns } = await sfn.send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = mapRuns?.[0]?.mapRunArn;
  if (!mapRunArn) return undefined;
  const { itemCounts } = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
  if (!itemCounts) return undefined;
  const { succeeded = 0, failed = 0, timedOut = 0, aborted = 0, running = 0, total = 0 } = itemCounts;
  // Children end SUCCEEDED whatever the account's status; failed ones are those whose Record Account Error failed too.
  return { done: succeeded + failed + timedOut + aborted, total, running, failed: failed + timedOut + aborted };
}

/** Starts the deployed workflow and, unless `--no-wait`, follows it and prints what `run` prints. */
export async function startCommand(io: Io, flags: StartFlags, deps: StartDeps = defaultDeps()): Promise<number> {
  const input = executionInput(flags);
  validate(flags, input);
  await deps.requireCredentials();
  const { stateMachineArn, bucket } = await locate(flags, deps);
  const name = flags.name ?? executionName(deps.now());
  const started = await deps.sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  const executionArn = started.executionArn as string;
  if (!flags.wait) {
    io.stdout.write(`${executionArn}\n`);
    io.stderr.write(`Console: ${consoleLink(executionArn)}\n`);
    return EXIT.passed;
  }
  io.stderr.write(`Started ${executionArn}\nConsole: ${consoleLink(executionArn)}\n`);

  const progress = new Progress(io.stderr, flags.progress && !flags.json);
  let execution: DescribeExecutionCommandOutput;
  let delay: number = POLL_MS.first;
  try {
    for (;;) {
      execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') break;
      const counts = await mapProgress(deps.sfn, executionArn).catch(() => undefined);
      if (counts) progress.set(counts.done, counts.total, { running: counts.running, errors: counts.failed });
      await deps.wait(delay);
      delay = Math.min(POLL_MS.max, delay * POLL_MS.factor);
    }
  } finally {
    progress.stop();
  }

  const store = deps.store(bucket);
  const startedAt = (execution.startDate ?? started.startDate ?? deps.now()).toISOString();
  const summary = await store.getJson<RunSummary>({ id: name, startedAt }, 'summary.json').catch((error) => {
    io.stderr.write(`ct-audit: cannot read summary.json from s3://${bucket}: ${errorMessage(error)}\n`);
    return undefined;
  });
  const endState = summary
    ? execution.status === 'FAILED' && execution.error === 'AuditFoundIssues'
      ? 'Audit Found Issues'
      : summaryHasIssues(summary)
        ? 'Issues Reported'
        : 'Audit Passed'
    : undefined;
  return printOutcome(
    io,
    { ...flags, reportBucket: bucket },
    {
      ...(summary ? { summary } : {}),
      ...(endState ? { endState } : {}),
      ...(summary ? {} : { error: failureOf(execution) }),
      store,
    },
  );
}
