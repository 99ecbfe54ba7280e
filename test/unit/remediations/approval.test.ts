import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { requestApproval } from '../../../functions/remediations/approval';
import { PATHS } from '../../../functions/remediations/documents';
import { remediationRun } from '../../support/remediation-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

// Approve Remediations writes the request where people read it and the task token where only those who approve read
// it: whoever holds the token and may call states:SendTaskSuccess answers the run.
const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const TOKEN = 'AQCEAAAAKgAAAAMAAAAA-task-token';
const NOW = new Date('2030-01-02T07:05:00.000Z');

describe('requestApproval', () => {
  test('writes the request to the run folder without the token, and the token to state only', async () => {
    // Arrange
    const store = new MemoryReportStore();
    const run = remediationRun({ approvalTimeoutSeconds: 3_600 });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    await requestApproval(
      { taskToken: TOKEN, run, totals: { planned: 2, accounts: 1, accountErrors: 0, itemErrors: 0 } },
      { store, sns: new SNSClient({}), topicArn: 'arn:aws:sns:us-east-1:111111111111:approvals', now: () => NOW },
    );

    // Assert: the run folder, which the named readers may read, has the request and not the token.
    const request = store.read<Record<string, unknown>>(run, PATHS.approval);
    expect(request).toMatchObject({
      remediationRunId: run.id,
      requestedAt: NOW.toISOString(),
      expiresAt: '2030-01-02T08:05:00.000Z',
      totals: { planned: 2 },
    });
    expect(JSON.stringify(request)).not.toContain(TOKEN);
    // State, where `ct-audit approve` finds it by run ID, has it.
    expect(await store.getState(PATHS.approvalToken(run.id))).toMatchObject({
      taskToken: TOKEN,
      remediationRunId: run.id,
    });
    // Nothing else was written, and the message carries the commands, not the token.
    expect(store.writes.filter((key) => store.files.get(key)?.includes(TOKEN))).toEqual([
      `state/${PATHS.approvalToken(run.id)}`,
    ]);
    const [publish] = sns.commandCalls(PublishCommand);
    expect(publish?.args[0].input.Message).toContain(`ct-audit approve --run ${run.id}`);
    expect(publish?.args[0].input.Message).not.toContain(TOKEN);
    expect(publish?.args[0].input.Message).not.toContain('Not planned');
  });

  test('the message says what the plan could not cover, which approving does not apply', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    await requestApproval(
      { taskToken: TOKEN, run: remediationRun(), totals: { planned: 2, accounts: 3, accountErrors: 1, itemErrors: 4 } },
      { store: new MemoryReportStore(), sns: new SNSClient({}), topicArn: 'arn:aws:sns:us-east-1:1:a', now: () => NOW },
    );

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message).toContain(
      'Not planned (errors): 1 accounts, 4 findings.',
    );
  });

  test('without a topic the request and the token are still written, and nothing is published', async () => {
    const store = new MemoryReportStore();
    const run = remediationRun();

    await expect(
      requestApproval(
        { taskToken: TOKEN, run, totals: { planned: 1, accounts: 1, accountErrors: 0, itemErrors: 0 } },
        { store, now: () => NOW },
      ),
    ).resolves.toEqual({ requested: true });

    expect(store.read(run, PATHS.approval)).toMatchObject({ remediationRunId: run.id });
    expect(await store.getState(PATHS.approvalToken(run.id))).toMatchObject({ taskToken: TOKEN });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('a message that cannot be published fails the task: the run does not wait on a request nobody was told of', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('the topic’s key refused'), { name: 'KMSAccessDenied' }));

    await expect(
      requestApproval(
        {
          taskToken: TOKEN,
          run: remediationRun(),
          totals: { planned: 1, accounts: 1, accountErrors: 0, itemErrors: 0 },
        },
        {
          store: new MemoryReportStore(),
          sns: new SNSClient({}),
          topicArn: 'arn:aws:sns:us-east-1:1:a',
          now: () => NOW,
        },
      ),
    ).rejects.toThrow('the topic’s key refused');
  });
});
