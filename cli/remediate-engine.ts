import './polyfill';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { SessionCache } from '../functions/lib/assume-role';
import { stsClient } from '../functions/lib/clients';
import { currentPartition } from '../functions/lib/partition';
import type { ReportStore } from '../functions/lib/report-store';
import type { Settings } from '../functions/lib/settings';
import { cleanText } from '../functions/lib/text';
import { type ApplyAccountEvent, applyAccount } from '../functions/remediations/apply';
import { REJECTED_ERROR } from '../functions/remediations/approval';
import { type Approval, PATHS, type RemediationRun } from '../functions/remediations/documents';
import { type PlanAccountEvent, planAccount, planSessions } from '../functions/remediations/plan';
import { type ReviewPlanEvent, type ReviewPlanResult, reviewPlan } from '../functions/remediations/review';
import { REMEDIATION_SESSION_POLICY } from '../functions/remediations/session-policy';
import { type StartRemediationEvent, startRemediation } from '../functions/remediations/start';
import {
  type RemediationSummary,
  type SummarizeRemediationEvent,
  type SummarizeRemediationResult,
  summarizeRemediation,
} from '../functions/remediations/summarize';
import { followExecution, type LocalCredentials, loadDefinition, newExecutionName, type TaskHandler } from './engine';

/** The remediation workflow: the very file the deployed state machine is made from. */
export const REMEDIATE_ASL_PATH = join(__dirname, '..', 'statemachine', 'remediate.asl.json');

/** The Task states of remediate.asl.json, which the local engine maps to the handlers. */
export const REMEDIATION_TASK_STATES = {
  start: 'Start Remediation',
  plan: 'Plan Account',
  review: 'Review Plan',
  approve: 'Approve Remediations',
  apply: 'Apply Account',
  summarize: 'Summarize Remediation',
} as const;

/** What Approve Remediations asks a person, locally. */
export interface ApprovalRequest {
  readonly run: RemediationRun;
  readonly totals: ReviewPlanResult['totals'];
}

/** Answers an approval request: resolves to the approval, or throws {@link RejectedError}. */
export type Approver = (request: ApprovalRequest) => Promise<Approval>;

/** The plan was rejected (or could not be asked about); Approve Remediations' Catch matches the name. */
export class RejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = REJECTED_ERROR;
  }
}

/** Options of {@link runRemediationLocal}. */
export interface LocalRemediationOptions {
  readonly settings: Settings;
  /** `{ auditRunId, mode, accounts?, actions? }`, as start-execution takes it. */
  readonly input: unknown;
  readonly store: ReportStore;
  /** `audit` plans (read-only role), `auditAdmin` applies (administrator role). */
  readonly credentials?: LocalCredentials;
  readonly executionName?: string;
  /** Stands in for the `.waitForTaskToken` task, which the local engine cannot run. */
  readonly approve: Approver;
  /** Called when the plan is reviewed, before the approval is asked: the CLI shows the plan here. */
  readonly onPlanned?: (review: ReviewPlanResult) => Promise<void> | void;
  readonly now?: () => Date;
  /**
   * Tests only: the definition to run instead of {@link localDefinition}'s, to stand in for a failure the local
   * engine cannot produce (a Distributed Map Run that fails as a whole).
   */
  readonly definition?: ReturnType<typeof localDefinition>;
}

/**
 * remediate.asl.json as the local engine needs it. One difference, and only here: AWS evaluates Approve
 * Remediations' `TimeoutSecondsPath` against the state input (`$.run...`), the local engine against the input after
 * `Parameters` (`$.Payload.run...`). The timeout itself does not matter locally: the approver answers at once.
 */
export function localDefinition() {
  const definition = loadDefinition(REMEDIATE_ASL_PATH);
  const approve = definition.States[REMEDIATION_TASK_STATES.approve];
  approve.TimeoutSecondsPath = approve.TimeoutSecondsPath.replace(/^\$\./, '$.Payload.');
  return definition;
}

/** How a local remediation run ended. */
export interface LocalRemediationResult {
  readonly executionName: string;
  readonly startedAt: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The last top-level state: Remediations Applied, Plan Ready, Remediation Rejected, ... */
  readonly endState?: string;
  readonly error?: { readonly error: string; readonly cause: string };
  readonly output?: SummarizeRemediationResult;
  readonly summary?: RemediationSummary;
}

/**
 * Runs statemachine/remediate.asl.json in aws-local-stepfunctions with the real step functions in-process, like
 * `runLocal` does for the audit. The local engine has no `.waitForTaskToken` (`$$.Task.Token` is a placeholder
 * here), so Approve Remediations calls `approve` instead of waiting for send-task-success.
 */
export async function runRemediationLocal(options: LocalRemediationOptions): Promise<LocalRemediationResult> {
  const { settings, store } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const executionName = options.executionName ?? newExecutionName(now()).replace(/^local-/, 'local-remediate-');
  const credentials = options.credentials ?? {};
  const partition = currentPartition();
  const readOnly = planSessions(stsClient(credentials.audit));
  const admin = new SessionCache(
    stsClient(credentials.auditAdmin ?? credentials.audit),
    undefined,
    REMEDIATION_SESSION_POLICY,
  );

  const handlers: Record<string, TaskHandler> = {
    [REMEDIATION_TASK_STATES.start]: (input) => startRemediation(input as StartRemediationEvent, { settings, store }),
    [REMEDIATION_TASK_STATES.plan]: (input) =>
      planAccount(input as PlanAccountEvent, { settings, sessions: readOnly, store, partition, now }),
    [REMEDIATION_TASK_STATES.review]: async (input) => {
      const review = await reviewPlan(input as ReviewPlanEvent, store);
      await options.onPlanned?.(review);
      return review;
    },
    [REMEDIATION_TASK_STATES.approve]: async (input) => {
      const { Payload } = input as { Payload: ApprovalRequest };
      try {
        return await options.approve(Payload);
      } catch (error) {
        if (error instanceof RejectedError) throw error;
        throw new RejectedError(`the approval could not be asked: ${cleanText(String(error), 200)}`);
      }
    },
    [REMEDIATION_TASK_STATES.apply]: (input) =>
      applyAccount(input as ApplyAccountEvent, { settings, sessions: admin, store, partition, now }),
    [REMEDIATION_TASK_STATES.summarize]: (input) =>
      summarizeRemediation(input as SummarizeRemediationEvent, store, now),
  };

  const machine = new StateMachine(options.definition ?? localDefinition());
  const execution = machine.run(options.input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:ct-audit-remediate:${executionName}`,
        Name: executionName,
        StartTime: startedAt,
      },
      Task: { Token: 'local-engine-has-no-task-token' },
    },
  });

  let endState: string | undefined;
  let output: SummarizeRemediationResult | undefined;
  const { status, failure } = await followExecution(execution, (event) => {
    if (event.type === 'StateEntered' && event.index === undefined) endState = event.state.name;
    else if (
      event.type === 'StateExited' &&
      event.index === undefined &&
      event.state.name === REMEDIATION_TASK_STATES.summarize
    ) {
      output = event.state.output as unknown as SummarizeRemediationResult;
    }
  });
  const run = { id: executionName, startedAt };
  const summary = output ? await store.getJson<RemediationSummary>(run, PATHS.summary) : undefined;
  return {
    executionName,
    startedAt,
    status,
    ...(endState ? { endState } : {}),
    ...(failure ? { error: failure } : {}),
    ...(output ? { output } : {}),
    ...(summary ? { summary } : {}),
  };
}
