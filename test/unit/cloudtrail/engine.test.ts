import { MAX_FINDINGS_PER_RULE, RuleEngine } from '../../../functions/cloudtrail/engine';
import { actsOnControlTowerResource, principalFilter } from '../../../functions/cloudtrail/principal-filter';
import {
  cloudTrailSettingsSchema,
  DEFAULT_IGNORED_PRINCIPALS,
  LEGACY_IGNORED_PRINCIPALS,
} from '../../../functions/cloudtrail/settings';
import { ctRecord, iamUserIdentity, rootIdentity } from './helpers';

const KEY =
  'o-abcdefghij/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/11/14/111122223333_CloudTrail_eu-west-1_20261114T1005Z_abcdefghijklmnop.json.gz';

const rootCall = (i: number, overrides: Record<string, unknown> = {}) =>
  ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventID: `root-${i}`, ...overrides });

const stopLogging = (identity: unknown) =>
  ctRecord({
    userIdentity: identity,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    eventID: 'stop',
  });

const assumed = (role: string, session: string, path = '') => ({
  type: 'AssumedRole',
  arn: `arn:aws:sts::111122223333:assumed-role/${role}/${session}`,
  accountId: '111122223333',
  sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${path}${role}` } },
});

function engine(
  settings: Record<string, unknown> = {},
  extra: Partial<ConstructorParameters<typeof RuleEngine>[0]> = {},
) {
  return new RuleEngine({ settings: cloudTrailSettingsSchema.parse(settings), ...extra });
}

describe('RuleEngine', () => {
  test('keeps each finding with the key of its file', () => {
    const scan = engine();

    scan.add(rootCall(1), KEY);

    expect(scan.result()).toMatchObject({
      findings: [{ rule: 'root-activity', s3Key: KEY }],
      counts: { 'root-activity': 1 },
      capped: [],
      records: 1,
    });
  });

  test('orders findings worst first, then by time', () => {
    const scan = engine();
    scan.add(
      ctRecord({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventTime: '2026-11-14T09:00:00Z' }),
    );
    scan.add(rootCall(2, { eventTime: '2026-11-14T11:00:00Z' }));
    scan.add(rootCall(1, { eventTime: '2026-11-14T10:00:00Z' }));

    const { findings } = scan.result();

    expect(findings.map((f) => [f.rule, f.eventTime])).toEqual([
      ['root-activity', '2026-11-14T10:00:00Z'],
      ['root-activity', '2026-11-14T11:00:00Z'],
      ['iam-user-or-key-created', '2026-11-14T09:00:00Z'],
    ]);
  });

  test('ignores principals matching a pattern, by the ARN or the session issuer', () => {
    const scan = engine({ ignorePrincipals: ['arn:aws:iam::*:role/break-glass-*'] });

    scan.add(stopLogging(assumed('break-glass-admin', 'jane')));
    scan.add(stopLogging(assumed('platform-admin', 'jane')));

    expect(scan.result().findings.map((f) => f.principalArn)).toEqual([
      'arn:aws:sts::111122223333:assumed-role/platform-admin/jane',
    ]);
  });

  test("the default ignore list leaves out Control Tower's own roles acting on its trail, and only them", () => {
    const scan = engine();
    const onBaseline = (identity: unknown, id: string) => ({
      ...stopLogging(identity),
      eventID: id,
      requestParameters: {
        name: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/aws-controltower-BaselineCloudTrail',
      },
    });

    scan.add(onBaseline(assumed('AWSControlTowerExecution', 'AWSControlTower-123'), 'ct'));
    scan.add(onBaseline(assumed('aws-controltower-AdministratorExecutionRole', 'ops'), 'admin'));
    scan.add(onBaseline(assumed('my-controltower-lookalike', 'x'), 'lookalike'));

    expect(scan.result().findings.map((f) => f.eventId)).toEqual(['admin', 'lookalike']);
  });

  describe("Control Tower's automation (AWSControlTowerExecution, its Config and notification roles)", () => {
    const ACCOUNT_ID = '111122223333';
    const execution = (partition = 'aws') => ({
      type: 'AssumedRole',
      arn: `arn:${partition}:sts::${ACCOUNT_ID}:assumed-role/AWSControlTowerExecution/AWSControlTower-123`,
      accountId: ACCOUNT_ID,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:${partition}:iam::${ACCOUNT_ID}:role/AWSControlTowerExecution` },
      },
    });
    const call = (id: string, eventSource: string, eventName: string, requestParameters: unknown, identity: unknown) =>
      ctRecord({ userIdentity: identity, eventSource, eventName, eventID: id, readOnly: false, requestParameters });
    const openSsh = (id: string, identity: unknown, description?: string) =>
      call(
        id,
        'ec2.amazonaws.com',
        'AuthorizeSecurityGroupIngress',
        {
          groupId: 'sg-0123456789abcdef0',
          ipPermissions: {
            items: [
              {
                ipProtocol: 'tcp',
                fromPort: 22,
                toPort: 22,
                ipRanges: { items: [{ cidrIp: '0.0.0.0/0', ...(description ? { description } : {}) }] },
              },
            ],
          },
        },
        identity,
      );
    const createUser = (id: string, identity: unknown, userName = 'svc-shadow') =>
      call(id, 'iam.amazonaws.com', 'CreateUser', { userName }, identity);
    /** What Control Tower itself does to its own resources when it updates or decommissions the landing zone. */
    const ownChanges = (identity: unknown, prefix: string) => [
      call(
        `${prefix}-trail`,
        'cloudtrail.amazonaws.com',
        'StopLogging',
        { name: 'aws-controltower-BaselineCloudTrail' },
        identity,
      ),
      call(
        `${prefix}-recorder`,
        'config.amazonaws.com',
        'StopConfigurationRecorder',
        { configurationRecorderName: 'aws-controltower-BaselineConfigRecorder' },
        identity,
      ),
      call(
        `${prefix}-recorder-nested`,
        'config.amazonaws.com',
        'DeleteConfigurationRecorder',
        { configurationRecorder: { name: 'aws-controltower-BaselineConfigRecorder' } },
        identity,
      ),
    ];

    test('what it does to anything but Control Tower is judged like anyone: a world-open SSH rule, an IAM user', () => {
      const scan = engine();

      scan.add(openSsh('ssh', execution()));
      scan.add(createUser('user', execution()));
      scan.add(call('other-trail', 'cloudtrail.amazonaws.com', 'StopLogging', { name: 'team-trail' }, execution()));
      scan.add(call('hub', 'securityhub.amazonaws.com', 'DisableSecurityHub', null, execution()));
      for (const record of ownChanges(execution(), 'ct')) scan.add(record);

      expect(
        scan
          .result()
          .findings.map((f) => [f.rule, f.eventId])
          .sort(),
      ).toEqual([
        ['cloudtrail-tampering', 'other-trail'],
        ['iam-user-or-key-created', 'user'],
        ['security-group-open-to-world', 'ssh'],
        ['security-tooling-disabled', 'hub'],
      ]);
    });

    test('the same changes to Control Tower’s resources by anyone else are reported', () => {
      const scan = engine();

      for (const record of ownChanges(assumed('AWSReservedSSO_AWSAdministratorAccess_0123', 'mallory'), 'sso')) {
        scan.add(record);
      }

      expect(scan.result().findings.map((f) => f.eventId)).toEqual([
        'sso-trail',
        'sso-recorder',
        'sso-recorder-nested',
      ]);
    });

    test('a Control Tower name in free text or in a resource it does not act on passes for nothing', () => {
      const scan = engine();

      scan.add(openSsh('described', execution(), 'aws-controltower-BaselineAccess'));
      scan.add(
        call(
          'tagged',
          'iam.amazonaws.com',
          'CreateUser',
          { userName: 'svc', tags: [{ key: 'aws-controltower-x' }] },
          execution(),
        ),
      );

      expect(scan.result().findings.map((f) => f.eventId)).toEqual(['described', 'tagged']);
    });

    test('a Control Tower name buys nothing outside the trail and Config rules: a user, a group, the log bucket', () => {
      const scan = engine();

      scan.add(createUser('ct-named-user', execution(), 'aws-controltower-x'));
      scan.add(
        call(
          'ct-named-group',
          'ec2.amazonaws.com',
          'AuthorizeSecurityGroupIngress',
          {
            groupName: 'aws-controltower-x',
            ipPermissions: {
              items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
            },
          },
          execution(),
        ),
      );
      scan.add(
        call(
          'log-bucket-public',
          's3.amazonaws.com',
          'PutBucketPolicy',
          {
            bucketName: 'aws-controltower-logs-222233334444-eu-west-1',
            bucketPolicy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }] },
          },
          execution(),
        ),
      );

      expect(
        scan
          .result()
          .findings.map((f) => [f.rule, f.eventId])
          .sort(),
      ).toEqual([
        ['iam-user-or-key-created', 'ct-named-user'],
        ['s3-bucket-made-public', 'log-bucket-public'],
        ['security-group-open-to-world', 'ct-named-group'],
      ]);
    });

    test('in GovCloud and China too, and read from the `arn:aws:` patterns of earlier cdk.json files', () => {
      const legacy = engine({ ignorePrincipals: [...LEGACY_IGNORED_PRINCIPALS] });
      const current = engine();

      for (const scan of [legacy, current]) {
        for (const partition of ['aws', 'aws-us-gov', 'aws-cn']) {
          for (const record of ownChanges(execution(partition), partition)) scan.add(record);
          scan.add(openSsh(`${partition}-ssh`, execution(partition)));
        }
      }

      for (const scan of [legacy, current]) {
        expect(scan.result().findings.map((f) => f.eventId)).toEqual(['aws-ssh', 'aws-us-gov-ssh', 'aws-cn-ssh']);
      }
    });

    test('its denied calls count toward a burst, except on Control Tower’s own resources', () => {
      const denied = (i: number, roleName: string) => ({
        ...call(`d${i}`, 'iam.amazonaws.com', 'GetRole', { roleName }, execution()),
        errorCode: 'AccessDenied',
        eventTime: `2026-11-14T10:00:${String(i).padStart(2, '0')}Z`,
      });
      const own = engine({ accessDeniedBurstThreshold: 3 });
      const other = engine({ accessDeniedBurstThreshold: 3 });

      for (let i = 0; i < 5; i++) own.add(denied(i, 'aws-controltower-AuditReadOnlyRole'));
      for (let i = 0; i < 5; i++) other.add(denied(i, 'workload-role'));

      expect(own.result().findings).toEqual([]);
      expect(other.result().findings.map((f) => f.rule)).toEqual(['access-denied-burst']);
    });

    test('a pattern a person lists ignores that principal for every rule, as before', () => {
      const scan = engine({
        ignorePrincipals: [...DEFAULT_IGNORED_PRINCIPALS, 'arn:*:sts::*:assumed-role/AWSControlTowerExecution/aft-*'],
      });
      const aft = { ...execution(), arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AWSControlTowerExecution/aft-42` };

      scan.add(openSsh('aft-ssh', aft));
      scan.add(openSsh('person-ssh', execution()));

      expect(scan.result().findings.map((f) => f.eventId)).toEqual(['person-ssh']);
    });

    test('left out of the list (`ignorePrincipals: []`), the automation is judged like anyone, its own resources too', () => {
      const scan = engine({ ignorePrincipals: [] });

      for (const record of ownChanges(execution(), 'ct')) scan.add(record);

      expect(scan.result().findings).toHaveLength(3);
    });
  });

  test('actsOnControlTowerResource: a parameter naming the resource, at the top or one object down', () => {
    const acting = (requestParameters: unknown) => actsOnControlTowerResource(ctRecord({ requestParameters }));

    expect(acting({ trailName: 'arn:aws:cloudtrail:us-east-1:1:trail/aws-controltower-BaselineCloudTrail' })).toBe(
      true,
    );
    expect(acting({ deliveryChannelName: 'aws-controltower-BaselineConfigDeliveryChannel' })).toBe(true);
    expect(acting({ deliveryChannel: { name: 'aws-controltower-BaselineConfigDeliveryChannel' } })).toBe(true);
    expect(acting({ stackName: 'StackSet-AWSControlTowerBP-BASELINE-CONFIG-abc' })).toBe(true);
    expect(acting({ roleArn: 'arn:aws:iam::1:role/aws-controltower-ConfigRecorderRole' })).toBe(true);
    expect(acting({ groupId: 'sg-1', description: 'aws-controltower-x' })).toBe(false);
    expect(acting({ userName: 'svc', path: '/aws-controltower-/' })).toBe(false);
    expect(acting(null)).toBe(false);
    expect(acting({ name: 'team-trail' })).toBe(false);
  });

  test('ignored principals feed no aggregating rule', () => {
    const scan = engine({ ignorePrincipals: ['arn:aws:iam::111122223333:user/carol'], failedSignInThreshold: 1 });

    scan.add(
      ctRecord({
        userIdentity: iamUserIdentity('carol'),
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        responseElements: { ConsoleLogin: 'Failure' },
      }),
    );

    expect(scan.result().findings).toEqual([]);
  });

  test('a rule switched off reports nothing; the others still do', () => {
    const scan = engine({ rules: { 'root-activity': false } });

    scan.add(rootCall(1));
    scan.add(stopLogging(iamUserIdentity('bob')));

    expect(Object.keys(scan.result().counts)).toEqual(['cloudtrail-tampering']);
  });

  test('an aggregating rule switched off reports nothing', () => {
    const scan = engine({ rules: { 'access-denied-burst': false }, accessDeniedBurstThreshold: 1 });

    scan.add(ctRecord({ errorCode: 'AccessDenied' }));

    expect(scan.result().findings).toEqual([]);
  });

  test('events are judged whatever their time: files are chosen by delivery, not events by their time', () => {
    const scan = engine();

    scan.add(rootCall(1, { eventTime: '2020-01-01T00:00:00Z' }));
    scan.add(rootCall(2, { eventTime: '2026-11-14T10:00:00Z' }));
    scan.add(rootCall(3, { eventTime: undefined }));

    const result = scan.result();
    expect(result.records).toBe(3);
    expect(result.findings.map((f) => f.eventId).sort()).toEqual(['root-1', 'root-2', 'root-3']);
  });

  test('an event the previous run reported at the seam is not reported again', () => {
    const scan = engine({}, { reported: new Set(['root-activity|root-1']) });

    scan.add(rootCall(1));
    scan.add(rootCall(2));

    expect(scan.result().findings.map((f) => f.eventId)).toEqual(['root-2']);
  });

  test('an odd record (a non-string eventSource on AccessDenied) is judged and breaks nothing', () => {
    // Arrange
    const scan = engine({ accessDeniedBurstThreshold: 2 });
    const odd = (i: number) =>
      ctRecord({ errorCode: 'AccessDenied', eventSource: { nested: true }, eventName: 7, eventID: `odd${i}` });

    // Act
    scan.add(odd(1));
    scan.add(rootCall(9));
    scan.add(odd(2));
    const result = scan.result();

    // Assert
    expect(result.findings.map((f) => f.rule).sort()).toEqual(['access-denied-burst', 'root-activity']);
  });

  test('a rule that throws is counted and reported once; the other rules and records go on', () => {
    // Arrange: a root call whose eventSource cannot be read (root-activity reads it for its detail).
    const throwing = (i: number) => {
      const record = rootCall(i) as Record<string, unknown>;
      Object.defineProperty(record, 'eventSource', {
        get() {
          throw new TypeError('\u001b[31mboom');
        },
      });
      return record as ReturnType<typeof rootCall>;
    };
    const scan = engine();

    // Act
    scan.add(throwing(1));
    scan.add(throwing(2));
    scan.add(rootCall(3));
    const result = scan.result();

    // Assert
    expect(result.findings.map((f) => f.rule)).toEqual(['root-activity', 'RuleFailed']);
    expect(result.findings[1]).toMatchObject({
      severity: 'MEDIUM',
      title: 'Rule root-activity failed on 2 records',
      detail: 'root-activity could not judge 2 records (first: TypeError: boom); the other rules judged them',
    });
  });

  test(`keeps at most ${MAX_FINDINGS_PER_RULE} findings per rule and counts them all`, () => {
    const scan = engine();

    for (let i = 0; i < 150; i++) scan.add(rootCall(i));

    const result = scan.result();
    expect(result.findings).toHaveLength(MAX_FINDINGS_PER_RULE);
    expect(result.counts['root-activity']).toBe(150);
    expect(result.capped).toEqual(['root-activity']);
  });

  test('an event delivered twice is one finding', () => {
    const scan = engine();

    scan.add(rootCall(1), 'file-a');
    scan.add(rootCall(1), 'file-b');

    expect(scan.result().counts).toEqual({ 'root-activity': 1 });
  });

  test('an unreadable file is a finding with its key, region and delivery time', () => {
    const scan = engine();

    scan.unreadable(KEY, 'truncated after 3 records');

    expect(scan.result().findings).toEqual([
      {
        resource: { type: 'LogFile', id: KEY, region: 'eu-west-1' },
        rule: 'LogFileUnreadable',
        severity: 'MEDIUM',
        title: 'Log file unreadable',
        region: 'eu-west-1',
        eventTime: '2026-11-14T10:05:00.000Z',
        s3Key: KEY,
        detail: 'truncated after 3 records; events in this file may be missed',
      },
    ]);
  });
});

describe('principalFilter', () => {
  test('* matches any run of characters; other characters are literal', () => {
    const ignored = principalFilter(['arn:aws:iam::*:user/ops.bot', 'lambda.amazonaws.com']);

    expect(ignored(ctRecord({ userIdentity: { arn: 'arn:aws:iam::123456789012:user/ops.bot' } }))).toBe(true);
    expect(ignored(ctRecord({ userIdentity: { arn: 'arn:aws:iam::123456789012:user/opsXbot' } }))).toBe(false);
    expect(ignored(ctRecord({ userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' } }))).toBe(true);
  });

  test('the default patterns are valid and match the Control Tower execution role', () => {
    const ignored = principalFilter(DEFAULT_IGNORED_PRINCIPALS);

    expect(ignored(ctRecord({ userIdentity: assumed('AWSControlTowerExecution', 's') }))).toBe(true);
    expect(ignored(ctRecord())).toBe(false);
  });

  test('no patterns ignore nothing', () => {
    expect(principalFilter([])(ctRecord())).toBe(false);
  });
});
