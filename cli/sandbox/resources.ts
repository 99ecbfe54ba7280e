import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateDetectorCommand, DeleteDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { EnableSecurityHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { BuildMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { PlantedEvent } from './cloudtrail-fixtures';

/**
 * The current state of the sandbox's accounts, to match their CloudTrail plants: every enrolled account has
 * GuardDuty, AWS Config (recording) and Security Hub on in every governed region and the account-level S3 Block
 * Public Access on, so that it passes the current-state checks. An account whose logs hold a planted event gets
 * the resource that event made, and the event is rewritten to name it (the emulator picks the IDs):
 *
 * | planted event (rule)                                   | resource in the event's region                        |
 * | ------------------------------------------------------ | ----------------------------------------------------- |
 * | AuthorizeSecurityGroupIngress (security-group-open-…)  | a group open to the world on 22 and 443, and on 5432 to 10.0.0.0/8 |
 * | PutBucketPolicy (s3-bucket-made-public)                | the bucket with a policy open to `Principal: "*"`; no account Block Public Access |
 * | ScheduleKeyDeletion (kms-key-disabled)                 | a customer-managed key pending deletion               |
 * | DeleteDetector attempt (security-tooling-disabled)     | then a DeleteDetector that worked and a StopConfigurationRecorder: no detector, the recorder stopped |
 */

/** What the seeder needs to reach the emulator as one account. */
export interface ResourceSeedOptions {
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly regions: readonly string[];
  /** Where the Config delivery channel points (the Log Archive bucket). */
  readonly deliveryBucket: string;
}

/** Makes a client's calls act in `accountId`: moto's `x-moto-account-id` header, as the rest of the seeding does. */
function inAccount<C extends { middlewareStack: MiddlewareStack<object, MetadataBearer> }>(
  client: C,
  accountId: string,
): C {
  const header: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-moto-account-id'] = accountId;
    return next(args);
  };
  client.middlewareStack.add(header, { step: 'build', name: 'motoAccountId' });
  return client;
}

interface ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: ResourceSeedOptions['credentials'];
  readonly maxAttempts: number;
}

/** The rules whose planted events get a real resource. */
const RESOURCE_RULES = new Set([
  'security-group-open-to-world',
  's3-bucket-made-public',
  'kms-key-disabled',
  'security-tooling-disabled',
]);

/** Whether an account's planted events ask for S3 to be left public (no account Block Public Access). */
function wantsPublicBucket(plant: readonly PlantedEvent[]): boolean {
  return plant.some((event) => event.ruleId === 's3-bucket-made-public');
}

type Parameters = Record<string, unknown>;

function withParameters(event: PlantedEvent, parameters: Parameters): PlantedEvent {
  const old = (event.record.requestParameters as Parameters | null) ?? {};
  return { ...event, record: { ...event.record, requestParameters: { ...old, ...parameters } } };
}

/** The same call made again later, and this time allowed: a new event ID, no error. */
function followUp(event: PlantedEvent, minutes: number, fields: Parameters, suffix: string): PlantedEvent {
  const { errorCode: _code, errorMessage: _message, ...record } = event.record;
  const time = new Date(Date.parse(String(record.eventTime)) + minutes * 60_000);
  return {
    ...(event.ruleId ? { ruleId: event.ruleId } : {}),
    region: event.region,
    record: {
      ...record,
      eventTime: `${time.toISOString().slice(0, 19)}Z`,
      eventID: `${String(record.eventID).slice(0, -4)}${suffix}`,
      requestID: `${String(record.requestID).slice(0, -4)}${suffix}`,
      responseElements: null,
      ...fields,
    },
  };
}

/**
 * Seeds one enrolled account: the healthy baseline in every governed region, and the resources of its planted
 * events. Returns the planted events rewritten to name the real resources (plus the follow-up events that made the
 * detector and the recorder what they are), to be written into the account's CloudTrail files.
 */
export async function seedAccountResources(
  options: ResourceSeedOptions,
  accountId: string,
  plant: readonly PlantedEvent[],
): Promise<PlantedEvent[]> {
  const config = (region: string): ClientConfig => ({
    endpoint: options.endpoint,
    region,
    credentials: options.credentials,
    maxAttempts: 3,
  });
  const client = <C extends { middlewareStack: MiddlewareStack<object, MetadataBearer> }>(
    Ctor: new (config: ClientConfig) => C,
    region: string,
  ): C => inAccount(new Ctor(config(region)), accountId);
  const toolingOff = new Set(
    plant.filter((event) => event.ruleId === 'security-tooling-disabled').map((event) => event.region),
  );

  const [home] = options.regions;
  if (!wantsPublicBucket(plant)) {
    // S3 Control's endpoint rules put the account ID before the host, which an emulator's address cannot take.
    const control = inAccount(
      new S3ControlClient({ ...config(home as string), endpointProvider: () => ({ url: new URL(options.endpoint) }) }),
      accountId,
    );
    await control.send(
      new PutPublicAccessBlockCommand({
        AccountId: accountId,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  }

  const detectors = new Map<string, string>();
  for (const region of options.regions) {
    const guardDuty = client(GuardDutyClient, region);
    const { DetectorId } = await guardDuty.send(new CreateDetectorCommand({ Enable: true }));
    detectors.set(region, DetectorId as string);
    const configService = client(ConfigServiceClient, region);
    await configService.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: 'aws-controltower-BaselineConfigRecorder',
          roleARN: `arn:aws:iam::${accountId}:role/aws-controltower-ConfigRecorderRole`,
          recordingGroup: { allSupported: true, includeGlobalResourceTypes: region === home },
        },
      }),
    );
    await configService.send(
      new PutDeliveryChannelCommand({
        DeliveryChannel: {
          name: 'aws-controltower-BaselineConfigDeliveryChannel',
          s3BucketName: options.deliveryBucket,
        },
      }),
    );
    if (toolingOff.has(region)) {
      // Switched off by the planted events: the detector deleted, the recorder never started again.
      await guardDuty.send(new DeleteDetectorCommand({ DetectorId }));
    } else {
      await configService.send(
        new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'aws-controltower-BaselineConfigRecorder' }),
      );
    }
    await client(SecurityHubClient, region).send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
  }

  const bound: PlantedEvent[] = [];
  for (const event of plant) {
    if (!event.ruleId || !RESOURCE_RULES.has(event.ruleId)) {
      bound.push(event);
      continue;
    }
    const region = event.region;
    switch (event.ruleId) {
      case 'security-group-open-to-world': {
        const ec2 = client(EC2Client, region);
        const { GroupId } = await ec2.send(
          new CreateSecurityGroupCommand({ GroupName: 'bastion-admin', Description: 'Opened to the world by hand' }),
        );
        await ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
              { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
              { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
            ],
          }),
        );
        bound.push(withParameters(event, { groupId: GroupId }));
        break;
      }
      case 's3-bucket-made-public': {
        const bucket = String((event.record.requestParameters as Parameters).bucketName);
        const s3 = inAccount(new S3Client({ ...config(region), forcePathStyle: true }), accountId);
        await s3.send(
          new CreateBucketCommand({
            Bucket: bucket,
            ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
          }),
        );
        const policy = (event.record.requestParameters as Parameters).bucketPolicy;
        await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
        bound.push(event);
        break;
      }
      case 'kms-key-disabled': {
        const kms = client(KMSClient, region);
        const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'payments-archive' }));
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata?.KeyId, PendingWindowInDays: 7 }));
        bound.push(withParameters(event, { keyId: KeyMetadata?.Arn }));
        break;
      }
      case 'security-tooling-disabled': {
        const detectorId = detectors.get(region);
        const attempt = withParameters(event, { detectorId });
        bound.push(
          attempt,
          followUp(attempt, 10, {}, 'd0d0'),
          followUp(
            attempt,
            12,
            {
              eventSource: 'config.amazonaws.com',
              eventName: 'StopConfigurationRecorder',
              requestParameters: { configurationRecorderName: 'aws-controltower-BaselineConfigRecorder' },
            },
            'c0c0',
          ),
        );
        break;
      }
    }
  }
  return bound;
}
