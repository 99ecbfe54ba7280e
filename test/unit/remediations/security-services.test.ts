import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  StartConfigurationRecorderCommand,
  StopConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import {
  CreateDetectorCommand,
  DeleteDetectorCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { enableGuardDuty } from '../../../functions/remediations/enable-guardduty';
import { startConfigRecorder } from '../../../functions/remediations/start-config-recorder';
import { actionContext, findings, targetOf } from '../../support/remediation-factories';

const config = mockClient(ConfigServiceClient);
const guardduty = mockClient(GuardDutyClient);

describe('start-config-recorder', () => {
  beforeEach(() => config.reset());

  it('starts a stopped recorder and nothing else', async () => {
    config
      .on(DescribeConfigurationRecorderStatusCommand)
      .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: false }] });
    const target = targetOf(findings.recorderStopped('default'));
    const context = actionContext();
    const before = await startConfigRecorder.inspect(target, context);

    await startConfigRecorder.apply(target, before, context);

    expect(before.compliant).toBe(false);
    expect(config).toHaveReceivedCommandWith(StartConfigurationRecorderCommand, {
      ConfigurationRecorderName: 'default',
    });
    expect(config.calls()).toHaveLength(2);
  });

  it('leaves a missing recorder to a person', async () => {
    const inspection = await startConfigRecorder.inspect(targetOf(findings.recorderStopped('none')), actionContext());

    expect(inspection.needsPerson).toMatch(/no Config recorder/);
  });

  it("never stops Control Tower's recorder on undo", async () => {
    const target = targetOf(findings.recorderStopped('aws-controltower-BaselineConfigRecorder'));

    await expect(startConfigRecorder.undo(target, { recording: false }, [], actionContext())).rejects.toThrow(
      /guardrail/,
    );
    expect(config).not.toHaveReceivedCommand(StopConfigurationRecorderCommand);
  });

  it('undo stops a recorder of its own that was stopped before', async () => {
    await startConfigRecorder.undo(
      targetOf(findings.recorderStopped('default')),
      { recording: false },
      [],
      actionContext(),
    );

    expect(config).toHaveReceivedCommandWith(StopConfigurationRecorderCommand, {
      ConfigurationRecorderName: 'default',
    });
  });
});

describe('enable-guardduty', () => {
  beforeEach(() => guardduty.reset());

  it('sees an enabled detector as compliant', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d1'] });
    guardduty
      .on(GetDetectorCommand)
      .resolves({ Status: 'ENABLED', ServiceRole: 'r', CreatedAt: '', UpdatedAt: '' } as never);

    expect((await enableGuardDuty.inspect(targetOf(findings.guardDutyOff('d1')), actionContext())).compliant).toBe(
      true,
    );
  });

  it('enables a disabled detector, and undo disables it again', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d1'] });
    guardduty.on(GetDetectorCommand).resolves({ Status: 'DISABLED', Tags: { team: 'sec' } } as never);
    const target = targetOf(findings.guardDutyOff('d1'));
    const context = actionContext();
    const before = await enableGuardDuty.inspect(target, context);

    const calls = await enableGuardDuty.apply(target, before, context);
    await enableGuardDuty.undo(target, before.state, calls, context);

    expect(guardduty.commandCalls(UpdateDetectorCommand).map((call) => call.args[0].input)).toEqual([
      { DetectorId: 'd1', Enable: true },
      { DetectorId: 'd1', Enable: false },
    ]);
  });

  it('creates a detector where there is none, and undo deletes that one', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    guardduty.on(CreateDetectorCommand).resolves({ DetectorId: 'created-1' });
    const target = targetOf(findings.guardDutyOff(null));
    const context = actionContext();
    const before = await enableGuardDuty.inspect(target, context);

    const calls = await enableGuardDuty.apply(target, before, context);
    await enableGuardDuty.undo(target, before.state, calls, context);

    expect(guardduty).toHaveReceivedCommandWith(CreateDetectorCommand, { Enable: true });
    expect(guardduty).toHaveReceivedCommandWith(DeleteDetectorCommand, { DetectorId: 'created-1' });
  });
});
