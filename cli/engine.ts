import './polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { type AuditAccountEvent, auditAccount } from '../functions/audit-account/audit-account';
import { SessionCache } from '../functions/lib/assume-role';
import { type Credentials, organizationsClient, stsClient } from '../functions/lib/clients';
import { currentPartition } from '../functions/lib/partition';
import type { ReportStore } from '../functions/lib/report-store';
import { assertSchemaVersion } from '../functions/lib/schema-version';
import type { Settings } from '../functions/lib/settings';
import type { RunSummary, Status } from '../functions/lib/types';
import { type PublishReportEvent, publishReport } from '../functions/publish-report/publish-report';
import {
  type RecordAccountErrorEvent,
  recordAccountError,
} from '../functions/record-account-error/record-account-error';
import type { ReportSink } from '../functions/report/sink';
import { ReportFileSink } from '../functions/report/sinks';
import {
  type ResolveTargetsEvent,
  type ResolveTargetsResult,
  resolveTargets,
} from '../functions/resolve-targets/resolve-targets';
import { type SummarizeEvent, type SummarizeResult, summarize } from '../functions/summarize/summarize';
import { TASK_IDS, TASKS, type TaskId } from '../statemachine/tasks';

/** An event of the local engine's execution log (the type is not exported by the package). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** How a local execution ended: its status and, when it failed, the error and cause of `ExecutionFailed`. */
export interface ExecutionEnd {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly failure?: { readonly error: string; readonly cause: string };
}

/**
 * Follows a local execution to its end: hands every event of its log to `onEvent`, notes the `ExecutionFailed`
 * error, and waits for both the log and the result, so that no event is missed when the result comes first.
 */
export async function followExecution(
  execution: ReturnType<StateMachine['run']>,
  onEvent: (event: EventLog) => void,
): Promise<ExecutionEnd> {
  let failure: ExecutionEnd['failure'];
  const consuming = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
      if (event.type === 'ExecutionFailed') {
        failure = { error: String(event.Error ?? 'States.Runtime'), cause: String(event.Cause ?? '') };
      }
      onEvent(event);
    }
  })();
  let status: ExecutionEnd['status'] = 'SUCCEEDED';
  try {
    await execution.result;
  } catch {
    status = 'FAILED';
  }
  await consuming;
  return failure ? { status, failure } : { status };
}

/** The workflow definition: the very file the deployed state machine is made from. */
export const ASL_PATH = join(__dirname, '..', 'statemachine', 'audit.asl.json');

/** The names of the Task states, by task (from the one table, statemachine/tasks.ts). */
export const TASK_STATES = Object.fromEntries(TASK_IDS.map((id) => [id, TASKS[id].state])) as {
  readonly [Id in TaskId]: (typeof TASKS)[Id]['state'];
};

/** A Task state's handler, as the local engine calls it. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** Credentials per function role; any left out come from the shell's default chain. */
export interface LocalCredentials {
  /** What Audit Account runs as (the Control Tower Audit read-only role when deployed). */
  readonly audit?: Credentials;
  /** What Audit Account As Admin runs as. */
  readonly auditAdmin?: Credentials;
  /** What Resolve Targets lists the organization with. */
  readonly organizations?: Credentials;
}

/** Options of {@link runLocal}. */
export interface LocalRunOptions {
  readonly settings: Settings;
  /** The execution input, as `aws stepfunctions start-execution --input` would take it. */
  readonly input: unknown;
  readonly store: ReportStore;
  readonly credentials?: LocalCredentials;
  /** The execution name, which is the run ID. @default local-<time>-<random> */
  readonly executionName?: string;
  /** Called once per account when its audit is recorded, with its status. */
  readonly onAccountDone?: (accountId: string, status: Status) => void;
  /** Called when the targets are known. */
  readonly onTargets?: (count: number, skipped: number) => void;
  /** Overrides the wait between ASL retries (milliseconds); the ASL's own backoff when left out. */
  readonly retryIntervalMs?: number;
  /**
   * Wraps a Task state's handler: the fault tests and the benchmark make iterations crash, time out or count calls
   * with it. Called once per Task state.
   */
  readonly wrap?: (state: string, handler: TaskHandler) => TaskHandler;
  readonly now?: () => Date;
  /** Outputs besides report.html (which is always written to the store): SNS, Security Hub, ... */
  readonly sinks?: readonly ReportSink[];
}

/** The largest state input or output seen in a run. */
export interface PayloadStat {
  readonly state: string;
  readonly direction: 'input' | 'output';
  readonly bytes: number;
}

/** How a local execution ended. */
export interface LocalRunResult {
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The last top-level state: Audit Passed, Issues Reported or Audit Found Issues when the run got that far. */
  readonly endState?: string;
  readonly error?: { readonly error: string; readonly cause: string };
  /** Summarize's output, when the run got that far. */
  readonly output?: SummarizeResult;
  /** summary.json, when the run got that far. */
  readonly summary?: RunSummary;
  readonly stats: {
    readonly largestPayload: PayloadStat;
    /** The largest input or output of each state, in bytes. */
    readonly payloadByState: Readonly<Record<string, number>>;
    /**
     * The size of the Map's result before `ResultPath: null` drops it: the JSON array of every iteration's output.
     * The engine reports no event for it, so it is added up from the iterations' last outputs.
     */
    readonly mapResultBytes: number;
    /** State transitions, as Step Functions bills them (parent and child executions together). */
    readonly transitions: number;
    readonly retries: number;
  };
}

/** A Step Functions-like execution name: unique, sortable, at most 80 characters. */
export function newExecutionName(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `local-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The ASL with placeholder ARNs: the local engine calls handlers by state name and never uses them. */
export function loadDefinition(path = ASL_PATH) {
  const text = readFileSync(path, 'utf8').replace(
    /\$\{(\w+)\}/g,
    (_, key: string) => `arn:aws:lambda:us-east-1:000000000000:function:local-${key}`,
  );
  return JSON.parse(text);
}

function bytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
}

/**
 * Runs the workflow in aws-local-stepfunctions with the real handlers in-process: the same ASL, the same code,
 * the same report layout as the deployed state machine. A failed execution is a result, not an exception.
 */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { settings, store } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const executionName = options.executionName ?? newExecutionName(now());
  const credentials = options.credentials ?? {};
  const partition = currentPartition();
  const readOnlySessions = new SessionCache(stsClient(credentials.audit));
  const adminSessions = new SessionCache(stsClient(credentials.auditAdmin ?? credentials.audit));
  const organizations = organizationsClient(credentials.organizations);

  const audit =
    (sessions: SessionCache): TaskHandler =>
    async (input) => {
      const result = await auditAccount(input as AuditAccountEvent, { settings, sessions, store, partition, now });
      options.onAccountDone?.(result.accountId, result.status);
      return result;
    };
  const wrap = options.wrap ?? ((_state: string, handler: TaskHandler) => handler);

  // Keyed by task, so that the compiler insists on a handler for every Task state of the table.
  const byTask: Record<TaskId, TaskHandler> = {
    resolveTargets: async (input) => {
      const result: ResolveTargetsResult = await resolveTargets(input as ResolveTargetsEvent, {
        settings,
        organizations,
        store,
      });
      options.onTargets?.(result.targets.length, result.skippedCount);
      return result;
    },
    auditAccount: audit(readOnlySessions),
    auditAccountAsAdmin: audit(adminSessions),
    recordAccountError: async (input) => {
      const result = await recordAccountError(input as RecordAccountErrorEvent, { store, now });
      options.onAccountDone?.(result.accountId, 'ERROR');
      return result;
    },
    summarize: (input) => summarize(input as SummarizeEvent, { store, mutes: settings.mutes, now }),
    publishReport: (input) =>
      publishReport(input as PublishReportEvent, {
        store,
        // No RemediationPlanSink here: locally there is no deployed remediation state machine to start, so
        // `remediation.afterScheduledAudit` starts no plan; `ct-audit remediate --run <id> --plan` does it by hand.
        sinks: [new ReportFileSink(store), ...(options.sinks ?? [])],
        now,
      }),
  };
  const handlers: Record<string, TaskHandler> = Object.fromEntries(
    TASK_IDS.map((id) => [TASKS[id].state, wrap(TASKS[id].state, byTask[id])]),
  );

  const machine = new StateMachine(loadDefinition());
  const retryOverrides =
    options.retryIntervalMs === undefined
      ? undefined
      : Object.fromEntries(Object.values(TASK_STATES).map((name) => [name, options.retryIntervalMs as number]));
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      ...(retryOverrides ? { retryIntervalOverrides: retryOverrides } : {}),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:ct-audit:${executionName}`,
        Name: executionName,
        StartTime: startedAt,
      },
    },
  });

  let largestPayload: PayloadStat = { state: '', direction: 'input', bytes: 0 };
  let transitions = 0;
  let retries = 0;
  let endState: string | undefined;
  let summarizeOutput: SummarizeResult | undefined;
  const payloadByState: Record<string, number> = {};
  const ITERATION_ENDS: ReadonlySet<string> = new Set([
    TASK_STATES.auditAccount,
    TASK_STATES.auditAccountAsAdmin,
    TASK_STATES.recordAccountError,
  ]);
  let mapResultBytes = 2;
  const measure = (state: string, direction: 'input' | 'output', value: unknown) => {
    const size = bytes(value);
    if (size > (payloadByState[state] ?? 0)) payloadByState[state] = size;
    if (size > largestPayload.bytes) largestPayload = { state, direction, bytes: size };
  };
  const { status, failure } = await followExecution(execution, (event) => {
    if (event.type === 'StateEntered') {
      transitions++;
      measure(event.state.name, 'input', event.state.input);
      if (event.index === undefined) endState = event.state.name;
    } else if (event.type === 'StateExited') {
      measure(event.state.name, 'output', event.state.output);
      if (event.index !== undefined && ITERATION_ENDS.has(event.state.name)) {
        mapResultBytes += bytes(event.state.output) + 1;
      }
      if (event.state.name === TASK_STATES.summarize && event.index === undefined) {
        summarizeOutput = event.state.output as unknown as SummarizeResult;
      }
    } else if (event.type === 'StateRetried') {
      retries++;
    }
  });

  const written = summarizeOutput
    ? await store.getJson<RunSummary>({ id: executionName, startedAt }, 'summary.json')
    : undefined;
  const summary =
    written && assertSchemaVersion(written, `${store.location({ id: executionName, startedAt })}summary.json`);
  return {
    executionName,
    status,
    ...(endState ? { endState } : {}),
    ...(failure ? { error: failure } : {}),
    ...(summarizeOutput ? { output: summarizeOutput } : {}),
    ...(summary ? { summary } : {}),
    stats: { largestPayload, payloadByState, mapResultBytes, transitions, retries },
  };
}
