import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
} from '@aws-sdk/client-config-service';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { errorName } from '../lib/errors';
import type { Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import { callOptions, currentStateResult, readRegions, unreachable } from './current-state';
import type { Check, CheckContext } from './types';

/** Security Hub's answers for "not enabled in this account and region". */
const HUB_OFF = new Set(['InvalidAccessException', 'ResourceNotFoundException']);

async function guardDuty(context: CheckContext, region: string): Promise<Finding | undefined> {
  const client = context.target.client(GuardDutyClient, { region });
  const { DetectorIds = [] } = await client.send(new ListDetectorsCommand({}), callOptions(context));
  const [detectorId] = DetectorIds;
  if (detectorId) {
    const detector = await client.send(new GetDetectorCommand({ DetectorId: detectorId }), callOptions(context));
    if (detector.Status === 'ENABLED') return undefined;
  }
  return {
    rule: 'security-services/guardduty-off',
    severity: 'HIGH',
    title: detectorId
      ? `GuardDuty detector ${detectorId} is disabled (${region})`
      : `GuardDuty is off: no detector (${region})`,
    resource: { type: 'AwsGuardDutyDetector', id: detectorId ?? 'none', region },
    evidence: { detectorId: detectorId ?? null, status: detectorId ? 'DISABLED' : 'MISSING' },
  };
}

async function configRecorder(context: CheckContext, region: string): Promise<Finding | undefined> {
  const client = context.target.client(ConfigServiceClient, { region });
  const { ConfigurationRecorders = [] } = await client.send(
    new DescribeConfigurationRecordersCommand({}),
    callOptions(context),
  );
  const names = ConfigurationRecorders.flatMap((recorder) => (recorder.name ? [recorder.name] : []));
  let stopped: string | undefined;
  if (names.length > 0) {
    const { ConfigurationRecordersStatus = [] } = await client.send(
      new DescribeConfigurationRecorderStatusCommand({}),
      callOptions(context),
    );
    if (ConfigurationRecordersStatus.some((status) => status.recording === true)) return undefined;
    stopped = names[0];
  }
  return {
    rule: 'security-services/config-recorder-stopped',
    severity: 'HIGH',
    title: stopped
      ? `AWS Config recorder ${stopped} is not recording (${region})`
      : `AWS Config has no configuration recorder (${region})`,
    resource: { type: 'AwsConfigConfigurationRecorder', id: stopped ?? 'none', region },
    evidence: { recorderName: stopped ?? null, status: stopped ? 'STOPPED' : 'MISSING' },
  };
}

async function securityHub(context: CheckContext, region: string): Promise<Finding | undefined> {
  try {
    await context.target.client(SecurityHubClient, { region }).send(new DescribeHubCommand({}), callOptions(context));
    return undefined;
  } catch (error) {
    if (!HUB_OFF.has(errorName(error) ?? '')) throw error;
  }
  return {
    rule: 'security-services/securityhub-off',
    severity: 'MEDIUM',
    title: `Security Hub is not enabled (${region})`,
    resource: { type: 'AwsSecurityHubHub', id: 'securityhub', region },
  };
}

/**
 * `security-services`: in every governed region, a GuardDuty detector present and enabled, the AWS Config
 * recorder recording, and Security Hub enabled. Each one missing is a finding.
 */
export const securityServicesCheck: Check = {
  ...CHECK_INFO['security-services'],
  async run(context) {
    const cannot = await unreachable(context);
    if (cannot) return cannot;
    const { done, gaps } = await readRegions(context, async (region) => {
      const found = await Promise.all([
        guardDuty(context, region),
        configRecorder(context, region),
        securityHub(context, region),
      ]);
      return found.filter((finding): finding is Finding => finding !== undefined);
    });
    const where = done.length === 1 ? (done[0]?.region ?? '') : `${done.length} regions`;
    return currentStateResult(
      'security-services',
      context,
      done.flatMap(({ value }) => value),
      gaps,
      `${where}: GuardDuty, AWS Config and Security Hub on`,
    );
  },
};
