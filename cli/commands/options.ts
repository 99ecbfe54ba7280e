import { type Command, InvalidArgumentError } from 'commander';
import { missingSettingsFor } from '../../functions/checks/required';
import { errorMessage, InvalidInputError } from '../../functions/lib/errors';
import { missingSettingsMessage } from '../../functions/lib/required-settings';
import type { Settings } from '../../functions/lib/settings';
import { parseExecutionInput, type RunRequest } from '../../functions/resolve-targets/input';

/** The flags `run`, `sandbox` and `start` share. */
export interface RunFlags {
  accounts?: string[];
  checks?: string[];
  mode?: string;
  role?: string;
  maxConcurrency?: number;
  input?: Record<string, unknown>;
  summaryFile?: string;
  json?: boolean;
  onlyIssues?: boolean;
  endpoint?: string;
  settings?: string;
  reportDir: string;
  reportBucket?: string;
  logArchiveAccount?: string;
  logArchiveBucket?: string;
  homeRegion?: string;
  organizationId?: string;
  regions?: string[];
  progress: boolean;
}

/** A comma-separated list. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A whole number, optionally within a range, refused with the flag's name. */
export function wholeNumber(name: string, range?: { min: number; max: number }) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number (got "${value}")`);
    const number = Number(value);
    if (range && (number < range.min || number > range.max)) {
      throw new InvalidArgumentError(`${name} must be from ${range.min} to ${range.max} (got ${number})`);
    }
    return number;
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
export function executionInput(flags: Partial<RunFlags>, accounts = flags.accounts): Record<string, unknown> {
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
export function flagSettings(flags: Partial<RunFlags>) {
  return {
    ...(flags.regions ? { regions: flags.regions } : {}),
    ...(flags.homeRegion ? { homeRegion: flags.homeRegion } : {}),
    ...(flags.organizationId ? { organizationId: flags.organizationId } : {}),
    logArchive: {
      ...(flags.logArchiveAccount ? { accountId: flags.logArchiveAccount } : {}),
      ...(flags.logArchiveBucket ? { bucket: flags.logArchiveBucket } : {}),
    },
  };
}

/**
 * The validation `run`, `sandbox` and `start` share, before anything starts: the input, then the settings the
 * chosen checks need, every missing one in one `InvalidInput` message with its flag.
 */
export function validateRun(input: Record<string, unknown>, settings: Settings): RunRequest {
  const request = parseExecutionInput(input, settings);
  const missing = missingSettingsFor(request.checks, settings, { organizationDiscoverable: true });
  if (missing.length > 0) {
    throw new InvalidInputError(missingSettingsMessage(missing));
  }
  return request;
}

/** The options that choose what a run audits and how it is validated (`run`, `sandbox`, `start`). */
export function addInputOptions(command: Command, { accounts }: { accounts: boolean }): Command {
  if (accounts) {
    command
      .option('--accounts <ids>', 'audit only these accounts (comma-separated 12-digit IDs)', list)
      .option('--input <json>', 'the execution input as JSON, as start-execution takes it', jsonObject);
  }
  return command
    .option('--checks <ids>', 'checks to run (comma-separated)', list)
    .option('--mode <mode>', 'what the run does', undefined)
    .option('--role <role>', 'Control Tower execution role to assume: readOnly or admin')
    .option('--max-concurrency <n>', 'accounts audited at once', wholeNumber('--max-concurrency'));
}

/** The options that say how the outcome is printed (`run`, `sandbox`, `start`). */
export function addOutputOptions(command: Command): Command {
  return command
    .option('--summary-file <path>', 'write the summary JSON to this file')
    .option('--json', "print the summary JSON (with each check's findings, capped) on stdout instead of the table")
    .option('--only-issues', 'leave the accounts that passed out of the table')
    .option('--no-progress', 'no progress bar on stderr');
}

/** Every option of a local run (`run`, and `sandbox` without `--accounts`, `--input`, `--endpoint`). */
export function addRunOptions(command: Command, { sandbox }: { sandbox: boolean }): Command {
  if (!sandbox) {
    addInputOptions(command, { accounts: true })
      .option('--endpoint <url>', 'send every AWS call to this endpoint (an AWS-compatible emulator)')
      .option(
        '--report-bucket <name>',
        "also write the run records to this S3 bucket (one you may write to: not the stack's report bucket)",
      );
  } else {
    addInputOptions(command, { accounts: false });
  }
  return addOutputOptions(command)
    .option(
      '--settings <path>',
      sandbox
        ? 'settings file (cdk.json or settings JSON); the sandbox ignores ./cdk.json unless named here'
        : 'settings file (cdk.json or settings JSON) (default: ./cdk.json)',
    )
    .option('--report-dir <dir>', 'where run records go', 'audit-reports')
    .option('--home-region <region>', 'Control Tower home region (CloudTrail checks)')
    .option('--organization-id <id>', 'organization ID, o-... (discovered from Organizations when left out)')
    .option('--log-archive-account <id>', 'Log Archive account ID (CloudTrail checks)')
    .option('--log-archive-bucket <name>', 'Log Archive bucket (CloudTrail checks)')
    .option('--regions <regions>', 'governed regions (comma-separated)', list);
}
