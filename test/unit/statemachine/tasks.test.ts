import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { THROTTLING_ERROR_NAMES } from '../../../functions/lib/errors';
import { REPO_ROOT, STATE_MACHINE_DEFINITION } from '../../../infra/paths';
import { TASK_IDS, TASKS } from '../../../statemachine/tasks';

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Branches?: readonly { readonly States: Record<string, AslState> }[];
}

const ASL_TEXT = readFileSync(STATE_MACHINE_DEFINITION, 'utf8');

/** Every state of the definition, nested ones (Map, Parallel) included, by name. */
function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...allStates(state.ItemProcessor?.States ?? state.Iterator?.States ?? {}),
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
  ]);
}

/** Every Task state of a definition, nested ones included. */
function taskStates(text: string): [string, AslState][] {
  return allStates((JSON.parse(text) as { States: Record<string, AslState> }).States).filter(
    ([, state]) => state.Type === 'Task',
  );
}

const TASK_STATES_IN_ASL = taskStates(ASL_TEXT);

/**
 * The transient Lambda service errors a Task state retries (Step Functions best practice, "Handle Lambda service
 * exceptions": ClientExecutionTimeoutException, ServiceException, AWSLambdaException, SdkClientException), and the
 * Lambda throttle.
 */
const LAMBDA_SERVICE_ERROR_NAMES = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The remediation workflow: its own file, with its own Task states (cli/remediate-engine.ts maps them). */
const REMEDIATION_TASK_STATES = taskStates(
  readFileSync(path.join(REPO_ROOT, 'statemachine', 'remediate.asl.json'), 'utf8'),
);

describe('the Task table (statemachine/tasks.ts)', () => {
  test('every Task state of the ASL is in the table, and every row of the table is a Task state of the ASL', () => {
    const inAsl = TASK_STATES_IN_ASL.map(([name]) => name).sort();
    const inTable = TASK_IDS.map((id) => TASKS[id].state).sort();

    expect(inAsl.length).toBeGreaterThan(0);
    expect(inAsl).toEqual(inTable);
  });

  test("each Task state's Resource is the table's substitution key", () => {
    const resources = Object.fromEntries(TASK_STATES_IN_ASL.map(([name, state]) => [name, state.Resource]));

    for (const id of TASK_IDS) {
      expect(resources[TASKS[id].state]).toBe(`\${${TASKS[id].substitutionKey}}`);
    }
  });

  test('every substitution placeholder of the ASL is a key of the table, and every key is used', () => {
    const keysInAsl = [...new Set([...ASL_TEXT.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))].sort();
    const keysInTable = [...new Set(TASK_IDS.map((id) => TASKS[id].substitutionKey))].sort();

    expect(keysInAsl).toEqual(keysInTable);
  });

  test('every handler folder of the table has a handler.ts', () => {
    for (const id of TASK_IDS) {
      const entry = path.join(__dirname, '..', '..', '..', 'functions', TASKS[id].handler, 'handler.ts');
      expect(existsSync(entry)).toBe(true);
    }
  });

  // Both workflows: the remediation one is a file of its own, and EC2's throttle (RequestLimitExceeded) once
  // went missing there while the audit's lists had it.
  test.each([
    ['audit.asl.json', TASK_STATES_IN_ASL, 'Audit Account'],
    ['remediate.asl.json', REMEDIATION_TASK_STATES, 'Apply Account'],
  ])(
    'the Retry list of every Task state of %s covers every error name classified as throttling and the transient Lambda service errors',
    (_, states, known) => {
      expect(THROTTLING_ERROR_NAMES).toEqual(
        expect.arrayContaining(['ThrottlingException', 'SlowDown', 'RequestLimitExceeded']),
      );
      // The walk reaches the states inside the Maps, or the check below would pass on nothing.
      expect(states.map(([name]) => name)).toContain(known);

      for (const [name, state] of states) {
        const retried = new Set((state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals));
        const missing = retried.has('States.ALL')
          ? []
          : [...THROTTLING_ERROR_NAMES, ...LAMBDA_SERVICE_ERROR_NAMES].filter((error) => !retried.has(error));
        expect({ state: name, missing }).toEqual({ state: name, missing: [] });
      }
    },
  );
});
