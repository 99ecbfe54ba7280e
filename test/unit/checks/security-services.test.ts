import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
} from '@aws-sdk/client-config-service';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { securityServicesCheck } from '../../../functions/checks/security-services';
import { awsError, stateContext } from './current-state-helpers';

const guardDutyMock = mockClient(GuardDutyClient);
const configMock = mockClient(ConfigServiceClient);
const hubMock = mockClient(SecurityHubClient);

const HUB = { HubArn: 'arn:aws:securityhub:us-east-1:111122223333:hub/default' };

/** Every service on and healthy, in every region. */
function healthy() {
  guardDutyMock.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
  guardDutyMock.on(GetDetectorCommand).resolves({ Status: 'ENABLED', ServiceRole: 'r', CreatedAt: 'x' } as never);
  configMock.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [{ name: 'default' }] });
  configMock
    .on(DescribeConfigurationRecorderStatusCommand)
    .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true }] });
  hubMock.on(DescribeHubCommand).resolves(HUB);
}

beforeEach(() => {
  guardDutyMock.reset();
  configMock.reset();
  hubMock.reset();
});

describe('security-services', () => {
  test('Compliance: GuardDuty enabled, Config recording, Security Hub on, in every governed region', async () => {
    healthy();

    const result = await securityServicesCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(result).toEqual({ status: 'PASS', message: '2 regions: GuardDuty, AWS Config and Security Hub on' });
    expect(guardDutyMock).toHaveReceivedCommandTimes(ListDetectorsCommand, 2);
    expect(hubMock).toHaveReceivedCommandTimes(DescribeHubCommand, 2);
  });

  test('Noncompliance: no detector, no recorder, Security Hub not subscribed — three findings', async () => {
    healthy();
    guardDutyMock.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    configMock.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [] });
    hubMock.on(DescribeHubCommand).rejects(awsError('InvalidAccessException', 'Account is not subscribed'));

    const result = await securityServicesCheck.run(stateContext({ regions: ['eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.findings).toEqual([
      {
        rule: 'security-services/config-recorder-stopped',
        severity: 'HIGH',
        title: 'AWS Config has no configuration recorder (eu-west-1)',
        resource: { type: 'AwsConfigConfigurationRecorder', id: 'none', region: 'eu-west-1' },
        evidence: { recorderName: null, status: 'MISSING' },
      },
      {
        rule: 'security-services/guardduty-off',
        severity: 'HIGH',
        title: 'GuardDuty is off: no detector (eu-west-1)',
        resource: { type: 'AwsGuardDutyDetector', id: 'none', region: 'eu-west-1' },
        evidence: { detectorId: null, status: 'MISSING' },
      },
      {
        rule: 'security-services/securityhub-off',
        severity: 'MEDIUM',
        title: 'Security Hub is not enabled (eu-west-1)',
        resource: { type: 'AwsSecurityHubHub', id: 'securityhub', region: 'eu-west-1' },
      },
    ]);
    expect(configMock).not.toHaveReceivedCommand(DescribeConfigurationRecorderStatusCommand);
  });

  test('Noncompliance: a stopped recorder names the recorder', async () => {
    healthy();
    configMock
      .on(DescribeConfigurationRecorderStatusCommand)
      .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: false, lastStatus: 'Success' }] });

    const result = await securityServicesCheck.run(stateContext());

    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'security-services/config-recorder-stopped',
        resource: { type: 'AwsConfigConfigurationRecorder', id: 'default', region: 'us-east-1' },
        evidence: { recorderName: 'default', status: 'STOPPED' },
      }),
    ]);
  });

  test('Near miss: a detector that exists but is disabled is DISABLED with its ID, not MISSING', async () => {
    healthy();
    guardDutyMock.on(GetDetectorCommand).resolves({ Status: 'DISABLED' } as never);

    const result = await securityServicesCheck.run(stateContext());

    expect(guardDutyMock).toHaveReceivedCommandWith(GetDetectorCommand, { DetectorId: 'd-1' });
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'security-services/guardduty-off',
        title: 'GuardDuty detector d-1 is disabled (us-east-1)',
        resource: { type: 'AwsGuardDutyDetector', id: 'd-1', region: 'us-east-1' },
        evidence: { detectorId: 'd-1', status: 'DISABLED' },
      }),
    ]);
  });

  test('Security Hub: ResourceNotFoundException is "not enabled" too; other errors are not', async () => {
    healthy();
    hubMock.on(DescribeHubCommand).rejects(awsError('ResourceNotFoundException'));
    expect((await securityServicesCheck.run(stateContext())).findings?.map((f) => f.rule)).toEqual([
      'security-services/securityhub-off',
    ]);

    hubMock.on(DescribeHubCommand).rejects(awsError('AccessDeniedException', 'denied'));
    const denied = await securityServicesCheck.run(stateContext());
    expect(denied.status).toBe('ERROR');
    expect(denied.error?.kind).toBe('ACCESS_DENIED');
  });

  test('Only the region that failed is a gap: findings elsewhere still FAIL the check', async () => {
    healthy();
    guardDutyMock.on(ListDetectorsCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw awsError('AccessDeniedException', 'denied');
      return { DetectorIds: [] };
    });

    const result = await securityServicesCheck.run(stateContext({ regions: ['us-east-1', 'eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      '1 HIGH: GuardDuty is off: no detector (us-east-1); partial: GuardDuty (eu-west-1): ACCESS_DENIED',
    );
  });

  test("Only the service that failed is a gap: the region's other services still report what is off", async () => {
    healthy();
    guardDutyMock.on(ListDetectorsCommand).rejects(awsError('AccessDeniedException', 'denied by an SCP'));
    configMock
      .on(DescribeConfigurationRecorderStatusCommand)
      .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: false }] });
    hubMock.on(DescribeHubCommand).rejects(awsError('InvalidAccessException', 'Account is not subscribed'));

    const result = await securityServicesCheck.run(stateContext({ regions: ['eu-west-1'] }));

    expect(result.status).toBe('FAIL');
    expect(result.findings?.map((finding) => [finding.rule, finding.severity, finding.title])).toEqual([
      ['security-services/config-recorder-stopped', 'HIGH', 'AWS Config recorder default is not recording (eu-west-1)'],
      ['security-services/securityhub-off', 'MEDIUM', 'Security Hub is not enabled (eu-west-1)'],
      ['security-services/incomplete', 'INFO', 'Could not be checked: GuardDuty (eu-west-1): ACCESS_DENIED'],
    ]);
  });

  test('A throttled service is not a gap: the account is retried by the workflow', async () => {
    healthy();
    guardDutyMock.on(ListDetectorsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    await expect(securityServicesCheck.run(stateContext())).rejects.toThrow('Rate exceeded');
  });
});
