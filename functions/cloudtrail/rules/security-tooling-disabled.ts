import type { ResourceRef } from '../../lib/types';
import { asArray, asObject, asString, type CloudTrailRecord } from '../record';
import { eventRule, type MatchDetail } from './types';

const GUARDDUTY = 'guardduty.amazonaws.com';
const SECURITY_HUB = 'securityhub.amazonaws.com';
const CONFIG = 'config.amazonaws.com';

/**
 * The calls that switch a service off or cut an account out of it, by event source, with what each does in the words
 * of the finding's title. The same names exist elsewhere (Macie has its own DisassociateFromAdministratorAccount,
 * Fraud Detector a DeleteDetector): only the listed source counts.
 */
const WHAT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [GUARDDUTY]: {
    DeleteDetector: 'GuardDuty detector deleted',
    // Only with `enable: false` (suspends the detector); other updates are no finding (see `match`).
    UpdateDetector: 'GuardDuty detector suspended',
    DisassociateFromAdministratorAccount: 'account left its GuardDuty administrator',
    DisassociateFromMasterAccount: 'account left its GuardDuty administrator',
    StopMonitoringMembers: 'GuardDuty stopped monitoring member accounts',
    DeleteMembers: 'member accounts removed from GuardDuty',
  },
  [SECURITY_HUB]: {
    DisableSecurityHub: 'Security Hub disabled',
    DisassociateFromAdministratorAccount: 'account left its Security Hub administrator',
    DisassociateFromMasterAccount: 'account left its Security Hub administrator',
    BatchDisableStandards: 'Security Hub standards disabled',
  },
  [CONFIG]: {
    StopConfigurationRecorder: 'AWS Config recorder stopped',
    DeleteConfigurationRecorder: 'AWS Config recorder deleted',
    DeleteDeliveryChannel: 'AWS Config delivery channel deleted',
  },
};

const TITLE = 'Security tooling disabled';
/** Accounts or standards named in a detail; the rest are counted. */
const MAX_NAMED = 5;

/** The first of the keys whose value is a string (CloudTrail writes some services' parameters in either case). */
function stringOf(parameters: Readonly<Record<string, unknown>> | undefined, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = asString(parameters?.[key]);
    if (value) return value;
  }
  return undefined;
}

/** `a, b, c` (at most {@link MAX_NAMED}, then `and N more`) of the strings in the first key that has a list. */
function listOf(parameters: Readonly<Record<string, unknown>> | undefined, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const items = asArray(parameters?.[key])
      .map(asString)
      .filter((item): item is string => item !== undefined && item !== '');
    if (items.length === 0) continue;
    const named = items.slice(0, MAX_NAMED).join(', ');
    return items.length > MAX_NAMED ? `${named} and ${items.length - MAX_NAMED} more` : named;
  }
  return undefined;
}

/** Whether an UpdateDetector suspends the detector: `enable` false (or "false"); absent or true is no finding. */
function suspends(parameters: Readonly<Record<string, unknown>> | undefined): boolean {
  const enable = parameters?.enable;
  return enable === false || (typeof enable === 'string' && enable.trim().toLowerCase() === 'false');
}

function guardDuty(record: CloudTrailRecord, region: string): MatchDetail | undefined {
  const parameters = asObject(record.requestParameters);
  if (record.eventName === 'UpdateDetector' && !suspends(parameters)) return undefined;
  const detector = stringOf(parameters, 'detectorId', 'DetectorId');
  const accounts = listOf(parameters, 'accountIds', 'AccountIds');
  const parts = [
    detector ? `GuardDuty detector ${detector}` : 'GuardDuty',
    ...(record.eventName === 'UpdateDetector' ? ['enable: false'] : []),
    ...(accounts ? [`accounts ${accounts}`] : []),
  ];
  const resource: ResourceRef | undefined = detector
    ? { type: 'AwsGuardDutyDetector', id: detector, region }
    : undefined;
  return { detail: parts.join(': '), ...(resource ? { resource } : {}) };
}

function securityHub(record: CloudTrailRecord, region: string): MatchDetail {
  const parameters = asObject(record.requestParameters);
  // arn:aws:securityhub:<region>:<account>:subscription/pci-dss/v/3.2.1 → pci-dss/v/3.2.1
  const standards = listOf(parameters, 'StandardsSubscriptionArns', 'standardsSubscriptionArns')
    ?.split(', ')
    .map((arn) => arn.replace(/^arn:[^:]+:securityhub:[^:]*:[^:]*:subscription\//, ''))
    .join(', ');
  return {
    ...(standards ? { detail: `standards ${standards}` } : {}),
    resource: { type: 'AwsSecurityHubHub', id: 'securityhub', region },
  };
}

function config(record: CloudTrailRecord, region: string): MatchDetail | boolean {
  const parameters = asObject(record.requestParameters);
  const recorder = stringOf(parameters, 'configurationRecorderName', 'ConfigurationRecorderName');
  if (recorder) {
    return {
      detail: `Config recorder ${recorder}`,
      resource: { type: 'AwsConfigConfigurationRecorder', id: recorder, region },
    };
  }
  const channel = stringOf(parameters, 'deliveryChannelName', 'DeliveryChannelName');
  if (channel)
    return { detail: `Config delivery channel ${channel}`, resource: { type: 'Other', id: channel, region } };
  return true;
}

/**
 * `security-tooling-disabled`: GuardDuty, Security Hub or AWS Config switched off, or an account cut out of them —
 * attempts refused for lack of permission included.
 */
export const securityToolingDisabled = eventRule({
  id: 'security-tooling-disabled',
  severity: 'HIGH',
  title: TITLE,
  description:
    'GuardDuty, Security Hub or AWS Config switched off, suspended, or cut off from its administrator or members; refused attempts count too.',
  events: Object.fromEntries(Object.entries(WHAT).map(([source, calls]) => [source, Object.keys(calls)])),
  countsAttempts: true,
  match(record) {
    const region = asString(record.awsRegion) ?? 'unknown';
    const source = record.eventSource ?? '';
    const matched =
      source === GUARDDUTY
        ? guardDuty(record, region)
        : source === SECURITY_HUB
          ? securityHub(record, region)
          : config(record, region);
    if (!matched) return undefined;
    const what = WHAT[source]?.[record.eventName ?? ''];
    const title = what ? `${TITLE}: ${what} (${record.eventName})` : undefined;
    return { ...(matched === true ? {} : matched), ...(title ? { title } : {}) };
  },
});
