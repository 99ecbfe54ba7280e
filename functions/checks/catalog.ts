import type { RequiredSetting } from '../lib/required-settings';
import type { RoleKind } from '../lib/types';
import type { CheckId } from './ids';

/** What is known of a check without running it: enough to validate a run's input and settings. */
export interface CheckInfo {
  readonly id: string;
  readonly title: string;
  /** The least role the check needs. `admin` checks run only in admin runs. */
  readonly role: RoleKind;
  /** The settings the check cannot run without; a run that lacks one is refused before it starts. */
  readonly requires: readonly RequiredSetting[];
}

/**
 * Every check's description, apart from its code: Resolve Targets validates a run against it without bundling the
 * checks' AWS SDK clients (EC2's alone is half a megabyte and hundreds of milliseconds of cold start). Each check
 * spreads its entry into its own object (`registry.ts`).
 */
export const CHECK_INFO: Readonly<Record<CheckId, CheckInfo>> = {
  identity: {
    id: 'identity',
    title: 'The execution role can be assumed and the caller is the account',
    role: 'readOnly',
    requires: [],
  },
  'cloudtrail-delivery': {
    id: 'cloudtrail-delivery',
    title: 'CloudTrail logs still arrive in the Log Archive bucket',
    role: 'readOnly',
    requires: ['homeRegion', 'logArchive.accountId', 'organizationId'],
  },
  'cloudtrail-events': {
    id: 'cloudtrail-events',
    title: 'Nothing alarming in the CloudTrail logs delivered since the last run',
    role: 'readOnly',
    requires: ['homeRegion', 'logArchive.accountId', 'organizationId'],
  },
  'network-exposure': {
    id: 'network-exposure',
    title: 'No security group admits the internet on a sensitive port',
    role: 'readOnly',
    requires: [],
  },
  's3-public-access': {
    id: 's3-public-access',
    title: 'S3 Block Public Access is on for the account and no bucket is public',
    role: 'readOnly',
    requires: [],
  },
  'kms-key-deletion': {
    id: 'kms-key-deletion',
    title: 'No customer-managed KMS key is pending deletion or disabled',
    role: 'readOnly',
    requires: [],
  },
  'security-services': {
    id: 'security-services',
    title: 'GuardDuty, AWS Config and Security Hub are on in every governed region',
    role: 'readOnly',
    requires: [],
  },
};
