import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { TrackedFinding } from '../../../functions/lib/changes';
import type { RunInfo } from '../../../functions/lib/types';
import { publishReport } from '../../../functions/publish-report/publish-report';
import { FIXABLE_RULES, isFixableRule } from '../../../functions/remediations/fixable-rules';
import { REMEDIATIONS } from '../../../functions/remediations/registry';
import type { PublishContext } from '../../../functions/report/sink';
import { planExecutionName, RemediationPlanSink } from '../../../functions/report/sinks';
import { accountFindings, runSummary, trackedFinding } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const ARN = 'arn:aws:states:eu-west-1:222222222222:stateMachine:Remediation';
const sfn = mockClient(SFNClient);

const SCHEDULED: RunInfo = {
  id: 'run-2',
  mode: 'audit',
  checks: ['network-exposure'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 'memory://runs/2030-01-02/run-2/',
  trigger: 'schedule',
};

const WORLD_INGRESS = trackedFinding({ check: 'network-exposure', rule: 'network-exposure/world-ingress' });

function context(run: RunInfo, findings: TrackedFinding[]): PublishContext {
  return {
    run,
    summary: runSummary(),
    findings: new Map([['111111111111', accountFindings(findings)]]),
    reportLocation: `${run.reportLocation}report.html`,
    now: new Date('2030-01-02T06:05:00.000Z'),
  };
}

const sink = () => new RemediationPlanSink(new SFNClient({}), ARN, isFixableRule);

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:plan-run-2`, startDate: new Date() });
});

describe('RemediationPlanSink (remediation.afterScheduledAudit: "plan")', () => {
  test('a scheduled read-only audit with an open fixable issue starts a plan of exactly that run', async () => {
    const line = await sink().publish(context(SCHEDULED, [WORLD_INGRESS]));

    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input?.stateMachineArn).toBe(ARN);
    expect(input?.name).toBe('plan-run-2');
    expect(JSON.parse(input?.input ?? '{}')).toEqual({
      auditRunId: 'run-2',
      auditRunStartedAt: '2030-01-02T06:00:00.000Z',
      mode: 'plan',
    });
    expect(line).toMatch(/^remediation plan started for 1 open issue/);
  });

  test.each([
    ['a run started by hand', { ...SCHEDULED, trigger: undefined }, [WORLD_INGRESS], /not a scheduled run/],
    ['an audit with the admin role', { ...SCHEDULED, role: 'admin' as const }, [WORLD_INGRESS], /not a read-only/],
    ['no findings', SCHEDULED, [], /no open issue/],
    ['only a resolved issue', SCHEDULED, [{ ...WORLD_INGRESS, state: 'RESOLVED' as const }], /no open issue/],
    ['only a muted issue', SCHEDULED, [{ ...WORLD_INGRESS, state: 'MUTED' as const }], /no open issue/],
    ['only an INFO finding', SCHEDULED, [{ ...WORLD_INGRESS, severity: 'INFO' as const }], /no open issue/],
    ['only issues no action fixes', SCHEDULED, [trackedFinding({ rule: 'root-activity' })], /no open issue/],
  ])('starts nothing for %s', async (_, run, findings, said) => {
    const line = await sink().publish(context(run, findings));

    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(line).toMatch(said);
  });

  test('a StartExecution that fails is reported by Publish Report, not thrown, and the other sinks still run', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('no access'), { name: 'AccessDeniedException' }));
    const store = new MemoryReportStore();
    store.seed(SCHEDULED, 'summary.json', runSummary());
    store.seed(SCHEDULED, 'findings/111111111111.json', accountFindings([WORLD_INGRESS]));
    const after = { name: 'metrics', publish: async () => 'done' };

    const result = await publishReport({ run: SCHEDULED }, { store, sinks: [sink(), after] });

    expect(result.sinks).toEqual([
      { sink: 'remediation-plan', ok: false, detail: 'AccessDeniedException: no access' },
      { sink: 'metrics', ok: true, detail: 'done' },
    ]);
    expect(result.failed).toBe(1);
  });

  test('the fixable rules Publish Report knows (without the actions’ code) are exactly the registry’s', () => {
    expect(Object.fromEntries(Object.entries(REMEDIATIONS).map(([id, action]) => [id, action.fixes.rules]))).toEqual(
      FIXABLE_RULES,
    );
  });

  test('the plan name stays within Step Functions’ 80 characters', () => {
    expect(planExecutionName('x'.repeat(80))).toHaveLength(80);
  });
});
