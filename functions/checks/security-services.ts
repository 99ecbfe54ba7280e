import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
} from '@aws-sdk/client-config-service';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { errorName, isThrottle } from '../lib/errors';
import type { Gap } from '../lib/gaps';
import type { Finding } from '../lib/types';
import { CHECK_INFO } from './catalog';
import { callOptions, currentStateResult, gapOf, readRegions, unreachable } from './current-state';
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

/** The three services, read side by side in each region. */
const SERVICES = [
  { name: 'GuardDuty', read: guardDuty },
  { name: 'AWS Config', read: configRecorder },
  { name: 'Security Hub', read: securityHub },
] as const;

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
      // Each service on its own: one that cannot be read (an SCP that denies GuardDuty, say) is a gap of its own and
      // does not take the others' findings along.
      const settled = await Promise.allSettled(SERVICES.map(({ read }) => read(context, region)));
      const findings: Finding[] = [];
      const serviceGaps: Gap[] = [];
      settled.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') {
          if (outcome.value) findings.push(outcome.value);
          return;
        }
        if (isThrottle(outcome.reason)) throw outcome.reason;
        const service = (SERVICES[index] as (typeof SERVICES)[number]).name;
        serviceGaps.push(gapOf(context, region, `${service} (${region})`, outcome.reason));
      });
      return { findings, gaps: serviceGaps };
    });
    const where = done.length === 1 ? (done[0]?.region ?? '') : `${done.length} regions`;
    return currentStateResult(
      'security-services',
      context,
      done.flatMap(({ value }) => value.findings),
      [...gaps, ...done.flatMap(({ value }) => value.gaps)],
      `${where}: GuardDuty, AWS Config and Security Hub on`,
    );
  },
};
