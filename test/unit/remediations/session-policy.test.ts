import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import {
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { AccountSession } from '../../../functions/lib/account-session';
import { REMEDIATION_IDS, type RemediationId } from '../../../functions/lib/ids';
import { planSessions } from '../../../functions/remediations/plan';
import { REMEDIATIONS } from '../../../functions/remediations/registry';
import {
  PLAN_SESSION_ACTIONS,
  PLAN_SESSION_POLICY,
  REMEDIATION_SESSION_POLICY,
} from '../../../functions/remediations/session-policy';
import type { ActionContext } from '../../../functions/remediations/types';
import { ACCOUNT, findings, mockedSession, NOW, settingsWith, targetOf } from '../../support/remediation-factories';

/**
 * Every call an action's `inspect` makes must be allowed by the session policy it runs under: Plan Account's
 * (the read-only execution role) and Apply Account's (the re-check and the verification inspect too). The emulator
 * ignores session policies, so this is where a call the policy lacks is caught: each action inspects a resource
 * whose every read succeeds (the path with the most calls), its calls are recorded, and each is checked as the IAM
 * action AWS would check it.
 */

/** The IAM service prefix of each client an action may use; a client not listed here fails the test. */
const SERVICES = {
  EC2Client: 'ec2',
  S3Client: 's3',
  KMSClient: 'kms',
  ConfigServiceClient: 'config',
  GuardDutyClient: 'guardduty',
} as const;

/** S3 operations whose IAM action has another name. */
const S3_ACTIONS: Readonly<Record<string, string>> = {
  GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 'PutBucketPublicAccessBlock',
  DeletePublicAccessBlock: 'DeleteBucketPublicAccessBlock',
};

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const config = mockClient(ConfigServiceClient);
const guardduty = mockClient(GuardDutyClient);
/** The mock of each client in {@link SERVICES}: what it recorded is what the action sent. */
const mocks: Readonly<Record<keyof typeof SERVICES, { calls(): { args: unknown[] }[]; reset(): unknown }>> = {
  EC2Client: ec2,
  S3Client: s3,
  KMSClient: kms,
  ConfigServiceClient: config,
  GuardDutyClient: guardduty,
};
const sts = mockClient(STSClient);

/** For each action, a finding and a resource whose every read answers: its inspect makes all the calls it can. */
const SCENARIOS: {
  readonly [Id in RemediationId]: { finding: ReturnType<typeof findings.worldIngress>; given(): void };
} = {
  'revoke-world-ingress': {
    finding: findings.worldIngress({ ruleId: 'sgr-1' }),
    given: () => {
      ec2
        .on(DescribeSecurityGroupsCommand)
        .resolves({ SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: 'app', Tags: [] }] });
      ec2.on(DescribeSecurityGroupRulesCommand).resolves({
        SecurityGroupRules: [
          { SecurityGroupRuleId: 'sgr-1', GroupId: 'sg-0123456789abcdef0', IsEgress: false, CidrIpv4: '0.0.0.0/0' },
        ],
      });
    },
  },
  'block-bucket-public-access': {
    finding: findings.bucketPublic(),
    given: () => {
      s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: false } });
      s3.on(GetBucketWebsiteCommand).resolves({});
      s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
      s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'team', Value: 'uploads' }] });
    },
  },
  'cancel-key-deletion': {
    finding: findings.keyPendingDeletion(),
    given: () => {
      kms.on(DescribeKeyCommand).resolves({
        KeyMetadata: { KeyId: 'k', KeyState: 'PendingDeletion', Enabled: false, KeyManager: 'CUSTOMER' },
      });
      kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
      kms.on(ListAliasesCommand).resolves({ Aliases: [{ AliasName: 'alias/orders' }] });
    },
  },
  'start-config-recorder': {
    finding: findings.recorderStopped('default'),
    given: () => {
      config.on(DescribeConfigurationRecorderStatusCommand).resolves({
        ConfigurationRecordersStatus: [{ name: 'default', recording: false }],
      });
    },
  },
  'enable-guardduty': {
    finding: findings.guardDutyOff('d-1'),
    given: () => {
      guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
      guardduty.on(GetDetectorCommand).resolves({ Status: 'DISABLED', ServiceRole: 'r', Tags: {} });
    },
  },
};

/** A session over the mocked clients that remembers which client classes were asked for. */
function recordingSession(clients: Set<string>): AccountSession {
  const session = mockedSession();
  return {
    ...session,
    s3: () => {
      clients.add('S3Client');
      return session.s3();
    },
    client: (Ctor, options) => {
      clients.add(Ctor.name);
      return session.client(Ctor, options);
    },
  };
}

/** The IAM actions of the calls one action's inspect makes, as AWS would authorize them. */
async function inspectCalls(id: RemediationId): Promise<{ actions: string[]; clients: string[] }> {
  const scenario = SCENARIOS[id];
  scenario.given();
  const clients = new Set<string>();
  const context: ActionContext = { session: recordingSession(clients), settings: settingsWith([id]), now: () => NOW };

  await REMEDIATIONS[id].inspect(targetOf(scenario.finding), context);

  const actions = Object.entries(mocks).flatMap(([client, mock]) =>
    mock.calls().map((call) => {
      const operation = (call.args[0] as object).constructor.name.replace(/Command$/, '');
      const service = SERVICES[client as keyof typeof SERVICES];
      return `${service}:${service === 's3' ? (S3_ACTIONS[operation] ?? operation) : operation}`;
    }),
  );
  return { actions, clients: [...clients] };
}

function allowed(policy: string): Set<string> {
  const document = JSON.parse(policy) as { Statement: { Effect: string; Action: string[]; Resource: string }[] };
  return new Set(
    document.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => statement.Action),
  );
}

describe('the session policies and what the actions inspect', () => {
  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
    sts.reset();
  });

  it.each(REMEDIATION_IDS)('%s: every client its inspect uses is one this test knows', async (id) => {
    const { clients } = await inspectCalls(id);

    expect(clients.length).toBeGreaterThan(0);
    expect(clients.filter((name) => !(name in SERVICES))).toEqual([]);
  });

  it.each(REMEDIATION_IDS)('%s: Plan Account’s session policy allows every call its inspect makes', async (id) => {
    const { actions } = await inspectCalls(id);

    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => !allowed(PLAN_SESSION_POLICY).has(action))).toEqual([]);
  });

  it.each(REMEDIATION_IDS)('%s: Apply Account’s session policy allows every call its inspect makes', async (id) => {
    const { actions } = await inspectCalls(id);

    expect(actions.filter((action) => !allowed(REMEDIATION_SESSION_POLICY).has(action))).toEqual([]);
  });

  it('Plan Account’s session policy allows nothing the inspects do not call (least privilege)', async () => {
    const called = new Set<string>();
    for (const id of REMEDIATION_IDS) {
      for (const mock of Object.values(mocks)) mock.reset();
      for (const action of (await inspectCalls(id)).actions) called.add(action);
    }

    expect([...allowed(PLAN_SESSION_POLICY)].sort()).toEqual([...called].sort());
  });

  it('Plan Account’s session policy is one Allow of named actions, within the 2,048 characters STS takes', () => {
    const document = JSON.parse(PLAN_SESSION_POLICY);

    expect(document.Statement).toEqual([
      { Sid: 'RemediationInspect', Effect: 'Allow', Action: [...PLAN_SESSION_ACTIONS], Resource: '*' },
    ]);
    for (const action of PLAN_SESSION_ACTIONS) expect(action).toMatch(/^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]+$/);
    expect(PLAN_SESSION_POLICY.length).toBeLessThanOrEqual(2048);
  });

  it('Plan Account’s sessions (the Lambda handler’s and the local engine’s) carry the plan’s session policy', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'a', SecretAccessKey: 'b', SessionToken: 'c', Expiration: new Date('2030-01-02') },
    });
    const role = `arn:aws:iam::${ACCOUNT}:role/aws-controltower-ReadOnlyExecutionRole`;

    await planSessions(new STSClient({ region: 'us-east-1' })).credentials(role, 'ct-audit-plan-run');

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: role, Policy: PLAN_SESSION_POLICY });
  });
});
