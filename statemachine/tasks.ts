/** One Task state of statemachine/audit.asl.json: its name, its `${Key}` and the handler folder it runs. */
export interface TaskState {
  /** The state's name in the ASL (Title Case, as the console shows it). */
  readonly state: string;
  /** The `${Key}` of its `Resource`, which the stack substitutes with the function's ARN. */
  readonly substitutionKey: string;
  /** The folder under `functions/` whose `handler.ts` the function runs. */
  readonly handler: string;
}

/**
 * Every Task state of the workflow: the one table the stack (substitutions, functions) and the local engine (state
 * name → handler) are built from. A test checks it against the ASL both ways.
 */
export const TASKS = {
  resolveTargets: {
    state: 'Resolve Targets',
    substitutionKey: 'ResolveTargetsFunctionArn',
    handler: 'resolve-targets',
  },
  auditAccount: {
    state: 'Audit Account',
    substitutionKey: 'AuditAccountFunctionArn',
    handler: 'audit-account',
  },
  auditAccountAsAdmin: {
    state: 'Audit Account As Admin',
    substitutionKey: 'AuditAccountAdminFunctionArn',
    handler: 'audit-account',
  },
  recordAccountError: {
    state: 'Record Account Error',
    substitutionKey: 'RecordAccountErrorFunctionArn',
    handler: 'record-account-error',
  },
  summarize: {
    state: 'Summarize',
    substitutionKey: 'SummarizeFunctionArn',
    handler: 'summarize',
  },
  publishReport: {
    state: 'Publish Report',
    substitutionKey: 'PublishReportFunctionArn',
    handler: 'publish-report',
  },
} as const satisfies Record<string, TaskState>;

/** A Task of the workflow, by its key in {@link TASKS}. */
export type TaskId = keyof typeof TASKS;

/** The Task IDs, in the table's order. */
export const TASK_IDS = Object.keys(TASKS) as TaskId[];
