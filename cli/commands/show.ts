import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { s3Client } from '../../functions/lib/clients';
import {
  isRunId,
  LocalReportStore,
  type ReportStore,
  type RunRef,
  S3ReportStore,
} from '../../functions/lib/report-store';
import { cleanText } from '../../functions/lib/text';
import type {
  AccountRecord,
  CheckResult,
  ErrorInfo,
  Finding,
  FindingCause,
  RunSummary,
} from '../../functions/lib/types';
import { accountIdSchema } from '../../functions/lib/validation';
import { type CommandContext, EXIT, type Io, UsageError } from '../context';
import { actionableFirst, displayLocation, FIELD, renderSummary, tableWidth } from '../output';
import { configureTimeoutsFrom } from '../settings-file';
import { wholeNumber } from './options';

interface ShowFlags {
  run: string;
  account?: string;
  reportDir: string;
  reportBucket?: string;
  findings: number;
  settings?: string;
}

/** `ct-audit show`: a run's table, or one account's record, readably. */
export function registerShow(root: Command, { io, done }: CommandContext): void {
  root
    .command('show')
    .description("print a run's table, or one account's record (every check, message and finding) readably")
    .exitOverride()
    .requiredOption('--run <id>', 'the run ID (the execution name), as the table prints it')
    .option('--account <id>', "print this account's record")
    .option('--report-dir <dir>', 'where local run records are', 'audit-reports')
    .option(
      '--report-bucket <name>',
      "read the run from this S3 report bucket instead (the stack's: your role must be in reportReaders)",
    )
    .option('--findings <n>', 'findings shown per check', wholeNumber('--findings'), 50)
    .option('--settings <path>', 'settings file whose sdk.* timeouts apply (default: ./cdk.json)')
    .action(async (flags: ShowFlags) => done(await showCommand(io, flags)));
}

/** The run's day folder in a bucket: from the run ID when it carries its date, else the newest day that has it. */
async function findS3Run(bucket: string, store: ReportStore, runId: string): Promise<RunRef | undefined> {
  const stamp = /(\d{4})(\d{2})(\d{2})T\d{4,6}/.exec(runId);
  const candidates: string[] = stamp ? [`${stamp[1]}-${stamp[2]}-${stamp[3]}`] : [];
  const s3 = s3Client();
  let token: string | undefined;
  const days: string[] = [];
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'runs/', Delimiter: '/', ContinuationToken: token }),
    );
    for (const prefix of page.CommonPrefixes ?? []) {
      const day = /^runs\/(\d{4}-\d{2}-\d{2})\/$/.exec(prefix.Prefix ?? '')?.[1];
      if (day) days.push(day);
    }
    token = page.NextContinuationToken;
  } while (token);
  candidates.push(...days.sort().reverse());
  for (const day of new Set(candidates)) {
    const run = { id: runId, startedAt: `${day}T00:00:00Z` };
    if ((await store.list(run, 'summary.json')).length > 0) return run;
  }
  return undefined;
}

async function showCommand(io: Io, flags: ShowFlags): Promise<number> {
  if (!isRunId(flags.run)) {
    throw new UsageError(`--run must be a run ID (got "${cleanText(flags.run, FIELD.id)}")`);
  }
  if (flags.account && !accountIdSchema.safeParse(flags.account).success) {
    throw new UsageError(`--account must be a 12-digit AWS account ID (got "${cleanText(flags.account, FIELD.id)}")`);
  }
  configureTimeoutsFrom(flags.settings);
  let store: ReportStore;
  let run: RunRef | undefined;
  if (flags.reportBucket) {
    store = new S3ReportStore(flags.reportBucket, s3Client());
    run = await findS3Run(flags.reportBucket, store, flags.run);
  } else {
    store = new LocalReportStore(flags.reportDir);
    run = { id: flags.run, startedAt: '' };
  }
  const summary = run ? await store.getJson<RunSummary>(run, 'summary.json') : undefined;
  const where = flags.reportBucket ? `s3://${flags.reportBucket}/runs/` : `${flags.reportDir}/`;
  if (!run || !summary) throw new UsageError(`no run "${flags.run}" in ${where} (see --report-dir, --report-bucket)`);
  const location = displayLocation(store.location(run), process.cwd());

  if (!flags.account) {
    const width = tableWidth(io.stdout);
    io.stdout.write(
      renderSummary(summary, {
        ...(width !== undefined ? { width } : {}),
        cwd: process.cwd(),
        records: flags.reportBucket ? { reportBucket: flags.reportBucket } : { reportDir: flags.reportDir },
      }),
    );
    return EXIT.passed;
  }
  const record = await store.getJson<AccountRecord>(run, `accounts/${flags.account}.json`);
  if (!record) {
    const skipped = summary.skipped.find((account) => account.accountId === flags.account);
    if (skipped) {
      io.stdout.write(`Account ${flags.account} was skipped: ${cleanText(skipped.reason)}\n`);
      return EXIT.passed;
    }
    const target = summary.accounts.find((account) => account.accountId === flags.account);
    if (!target) throw new UsageError(`account ${flags.account} is not in run ${flags.run}`);
    io.stdout.write(
      `Account ${flags.account}: ${cleanText(target.status, FIELD.status)}, no record written ` +
        `(${cleanText(target.error?.message ?? '')})\n`,
    );
    return EXIT.passed;
  }
  const name = summary.accounts.find((account) => account.accountId === flags.account)?.name;
  io.stdout.write(renderRecord(record, { name, findings: flags.findings, location }));
  return EXIT.passed;
}

/**
 * The CloudTrail call the same run found behind a current-state finding (what the table's "Caused by" lists): the
 * event, who made it, from where and when, each cleaned and bounded like the rest of the record.
 */
function causeLine(cause: FindingCause): string {
  const part = (label: string, value: unknown) => {
    const text = cleanText(value, 160);
    return text === '' ? '' : ` ${label} ${text}`;
  };
  return (
    `caused by ${cleanText(cause.eventName, 80) || 'an event'}` +
    `${part('by', cause.principalArn)}${part('from', cause.sourceIp)}${part('at', cause.eventTime)}`
  );
}

function findingLine(finding: Finding): string {
  const where = [
    finding.resource ? `${finding.resource.type} ${finding.resource.id}` : undefined,
    finding.region ?? finding.resource?.region,
    finding.eventTime,
    finding.eventName,
    finding.principalArn,
    finding.sourceIp,
  ]
    .filter((part) => part !== undefined && part !== '')
    .map((part) => cleanText(part, 160));
  const rule = cleanText(finding.rule ?? '', 80);
  const lines = [`${cleanText(finding.severity, FIELD.status).padEnd(8)} ${rule}  ${cleanText(finding.title, 200)}`];
  if (where.length > 0) lines.push(where.join('  '));
  if (finding.detail) lines.push(cleanText(finding.detail, 300));
  if (finding.cause) lines.push(causeLine(finding.cause));
  return lines.join('\n          ');
}

function checkLines(id: string, check: CheckResult, maxFindings: number): string[] {
  const status = cleanText(check.status, FIELD.status);
  const head =
    `  ${cleanText(id, FIELD.id).padEnd(22)} ${status.padEnd(7)} ${check.message ? cleanText(check.message) : ''}`.trimEnd();
  const out = [head];
  if (check.error) out.push(`      ${errorLine(check.error)}`);
  const findings = check.findings ?? [];
  for (const finding of findings.slice(0, maxFindings)) out.push(`      ${findingLine(finding)}`);
  if (findings.length > maxFindings) {
    out.push(`      ... and ${findings.length - maxFindings} more findings (--findings N shows more)`);
  }
  return out;
}

/** An error as `show` prints it: its kind, then the message with its advice first. */
function errorLine(error: ErrorInfo): string {
  return `${cleanText(error.kind, FIELD.kind)}: ${actionableFirst(cleanText(error.message))}`;
}

/** An account record as a person reads it: each check with its status, message, error and findings. */
export function renderRecord(
  record: AccountRecord,
  options: { name?: string | undefined; findings: number; location: string },
): string {
  const accountId = cleanText(record.accountId, FIELD.id);
  const name = options.name ? ` (${cleanText(options.name, 80)})` : '';
  const status = cleanText(record.status, FIELD.status);
  const out = [
    `Account ${accountId}${name}  ${status}  run ${cleanText(record.runId, FIELD.id)}`,
    `  audited ${cleanText(record.startedAt, FIELD.kind)} to ${cleanText(record.finishedAt, FIELD.kind)}`,
  ];
  if (record.error) out.push(`  ${errorLine(record.error)}`);
  for (const [id, check] of Object.entries(record.checks)) out.push(...checkLines(id, check, options.findings));
  out.push('', `Record: ${options.location}accounts/${accountId}.json`);
  return `${out.join('\n')}\n`;
}
