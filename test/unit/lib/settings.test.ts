import { InvalidSettingsError } from '../../../functions/lib/errors';
import { parseSettings } from '../../../functions/lib/settings';

function settingsError(raw: unknown): Error {
  try {
    parseSettings(raw);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`parseSettings accepted ${JSON.stringify(raw)}`);
}

describe('parseSettings defaults', () => {
  test('empty settings get the Control Tower role names', () => {
    const settings = parseSettings({});

    expect(settings.roles).toEqual({
      readOnlyExecutionRoleName: 'aws-controltower-ReadOnlyExecutionRole',
      adminExecutionRoleName: 'aws-controltower-AdministratorExecutionRole',
      auditReadOnlyRoleName: 'aws-controltower-AuditReadOnlyRole',
      auditAdminRoleName: 'aws-controltower-AuditAdministratorRole',
      createDedicatedRoles: false,
    });
  });

  test('empty settings run the identity check 40 accounts at a time, daily at 06:00 UTC', () => {
    const settings = parseSettings({});

    expect(settings).toMatchObject({
      defaultChecks: ['identity'],
      maxConcurrency: 40,
      schedule: { expression: 'cron(0 6 * * ? *)', timeZone: 'UTC', enabled: true },
      adminEnabled: false,
      failOnIssues: true,
      include: { accounts: [], organizationalUnits: [] },
      exclude: { accounts: [], organizationalUnits: [] },
    });
  });

  test('null settings are the same as empty settings', () => {
    expect(parseSettings(null)).toEqual(parseSettings({}));
  });

  test('a partial nested object keeps the defaults of its other fields', () => {
    const settings = parseSettings({ schedule: { timeZone: 'Europe/Paris' } });

    expect(settings.schedule).toEqual({ expression: 'cron(0 6 * * ? *)', timeZone: 'Europe/Paris', enabled: true });
  });

  test('valid values are kept', () => {
    const settings = parseSettings({
      maxConcurrency: 900,
      concurrencyLimit: 900,
      include: { accounts: ['111111111111'], organizationalUnits: ['ou-ab12-cd34ef56'] },
      schedule: { expression: 'rate(12 hours)' },
    });

    expect(settings).toMatchObject({
      maxConcurrency: 900,
      include: { accounts: ['111111111111'], organizationalUnits: ['ou-ab12-cd34ef56'] },
      schedule: { expression: 'rate(12 hours)' },
    });
  });
});

describe('parseSettings rejects a wrong setting with InvalidSettings naming the setting and the form', () => {
  test.each([
    [
      'maxConcurrency 0',
      { maxConcurrency: 0 },
      'ctAudit.maxConcurrency: must be a whole number from 1 to 1000 (got 0)',
    ],
    [
      'maxConcurrency 5000',
      { maxConcurrency: 5000 },
      'ctAudit.maxConcurrency: must be a whole number from 1 to 1000 (got 5000)',
    ],
    [
      'maxConcurrency 1.5',
      { maxConcurrency: 1.5 },
      'ctAudit.maxConcurrency: must be a whole number from 1 to 1000 (got 1.5)',
    ],
    [
      'a short account ID in include.accounts',
      { include: { accounts: ['12345'] } },
      'ctAudit.include.accounts[0]: must be a 12-digit AWS account ID (got "12345")',
    ],
    [
      'an account ID written as a number',
      { exclude: { accounts: [111111111111] } },
      'ctAudit.exclude.accounts[0]: must be a 12-digit AWS account ID in quotes (got 111111111111)',
    ],
    [
      'a duplicate account',
      { include: { accounts: ['111111111111', '111111111111'] } },
      "ctAudit.include.accounts[1]: '111111111111' is listed twice",
    ],
    [
      'a bad OU ID',
      { exclude: { organizationalUnits: ['ou-bad'] } },
      'ctAudit.exclude.organizationalUnits[0]: must be an organizational unit ID like ou-ab12-cd34ef56',
    ],
    [
      'a bad time zone',
      { schedule: { timeZone: 'Mars/Olympus' } },
      'ctAudit.schedule.timeZone: must be an IANA time zone such as UTC or Europe/Paris (got "Mars/Olympus")',
    ],
    [
      'a five-field cron',
      { schedule: { expression: 'cron(0 6 * * *)' } },
      'ctAudit.schedule.expression: must be an EventBridge Scheduler expression: cron(m h dom mon dow yr) or rate(N unit)',
    ],
    [
      'an alarm window longer than a CloudWatch alarm can look back',
      { schedule: { alarmAfterHours: 169 } },
      'ctAudit.schedule.alarmAfterHours: must be a whole number of hours from 1 to 168 (a CloudWatch alarm looks back ' +
        'at most 7 days), or 0 for no NoCompletedRun alarm (got 169)',
    ],
    [
      'an alarm window in parts of an hour',
      { schedule: { alarmAfterHours: 1.5 } },
      'ctAudit.schedule.alarmAfterHours: must be a whole number of hours from 1 to 168',
    ],
    ['an unknown key', { maxConcurency: 3 }, "ctAudit: unknown field 'maxConcurency'"],
    ['an unknown nested key', { schedule: { cron: 'x' } }, "ctAudit.schedule: unknown field 'cron'"],
    ['an unknown check in defaultChecks', { defaultChecks: ['nope'] }, 'ctAudit.defaultChecks[0]: must be one of: '],
    ['no default check', { defaultChecks: [] }, 'ctAudit.defaultChecks: must name at least one check'],
    [
      'a log retention CloudWatch does not offer',
      { logRetentionDays: 2 },
      'ctAudit.logRetentionDays: must be one of 1, 3, 5, 7, 14, 30',
    ],
    [
      'a role name with a space',
      { roles: { readOnlyExecutionRoleName: 'a b' } },
      'ctAudit.roles.readOnlyExecutionRoleName: must be an IAM role name',
    ],
  ])('%s', (_case, raw, expected) => {
    const error = settingsError(raw);

    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect(error.name).toBe('InvalidSettings');
    expect(error.message).toContain(expected);
  });

  test('the list of known checks is part of the message for an unknown check', () => {
    expect(settingsError({ defaultChecks: ['nope'] }).message).toMatch(/must be one of: .*identity.* \(got "nope"\)/);
  });

  test('the source given names the root of the path', () => {
    expect(() => parseSettings({ maxConcurrency: 0 }, 'cdk.json ctAudit')).toThrow(/cdk\.json ctAudit\.maxConcurrency/);
  });

  test('every wrong setting is named, not just the first', () => {
    const message = settingsError({ maxConcurrency: 0, schedule: { timeZone: 'Mars/Olympus' } }).message;

    expect(message).toContain('ctAudit.maxConcurrency');
    expect(message).toContain('ctAudit.schedule.timeZone');
  });
});

describe('parseSettings refinements across settings', () => {
  test('maxConcurrency above concurrencyLimit is refused with the limit and what to change', () => {
    const error = settingsError({ maxConcurrency: 60 });

    expect(error.name).toBe('InvalidSettings');
    expect(error.message).toContain('ctAudit.maxConcurrency: must be at most concurrencyLimit (50)');
    expect(error.message).toContain('raise concurrencyLimit');
  });

  test('concurrencyLimit defaults to 50 and bounds maxConcurrency when raised', () => {
    expect(parseSettings({}).concurrencyLimit).toBe(50);
    expect(parseSettings({ maxConcurrency: 200, concurrencyLimit: 200 }).maxConcurrency).toBe(200);
  });

  test('with adminEnabled, a concurrencyLimit whose two reservations pass 900 is refused: the deploy would fail', () => {
    expect(parseSettings({ adminEnabled: true, concurrencyLimit: 450 }).concurrencyLimit).toBe(450);
    expect(parseSettings({ concurrencyLimit: 900 }).concurrencyLimit).toBe(900);

    const message = settingsError({ adminEnabled: true, concurrencyLimit: 451 }).message;

    expect(message).toContain('ctAudit.concurrencyLimit: with adminEnabled, Audit Account and Audit Account As Admin');
    expect(message).toContain('2 x 451 is more than the 900');
    expect(message).toContain('lower it to 450 or less');
  });

  test('concurrencyLimit above what Lambda lets one function reserve is refused', () => {
    expect(settingsError({ concurrencyLimit: 1000 }).message).toContain(
      'ctAudit.concurrencyLimit: must be a whole number from 1 to 900 (got 1000)',
    );
  });

  test('createDedicatedRoles without organizationId is refused, saying why and what to set', () => {
    const error = settingsError({ roles: { createDedicatedRoles: true } });

    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect(error.message).toContain('ctAudit.roles.createDedicatedRoles: needs organizationId');
    expect(error.message).toContain('in any AWS account');
  });

  test('createDedicatedRoles with organizationId is accepted', () => {
    const settings = parseSettings({ roles: { createDedicatedRoles: true }, organizationId: 'o-a1b2c3d4e5' });

    expect(settings.roles.createDedicatedRoles).toBe(true);
  });

  test('reportReaders takes role ARNs and refuses anything else', () => {
    const reader = 'arn:aws:iam::111111111111:role/SecurityReader';

    expect(parseSettings({ reportReaders: [reader] }).reportReaders).toEqual([reader]);
    expect(settingsError({ reportReaders: ['arn:aws:iam::111111111111:user/alice'] }).message).toContain(
      'ctAudit.reportReaders[0]: must be an IAM role ARN',
    );
  });

  test('remediation.approverRoleArns takes role ARNs, none by default, and refuses anything else', () => {
    const approver = 'arn:aws:iam::111111111111:role/RemediationApprover';

    expect(parseSettings({}).remediation.approverRoleArns).toEqual([]);
    expect(parseSettings({ remediation: { approverRoleArns: [approver] } }).remediation.approverRoleArns).toEqual([
      approver,
    ]);
    expect(
      settingsError({ remediation: { approverRoleArns: ['arn:aws:iam::111111111111:user/alice'] } }).message,
    ).toContain('ctAudit.remediation.approverRoleArns[0]: must be an IAM role ARN');
    expect(settingsError({ remediation: { approverRoleArns: [approver, approver] } }).message).toContain(
      'is listed twice',
    );
  });
});

describe('formatIssues bounds its message', () => {
  test('100,000 bad account IDs give the first five problems and a count, not megabytes', () => {
    const accounts = Array.from({ length: 100_000 }, (_, i) => String(i));

    const message = settingsError({ include: { accounts } }).message;

    expect(message.length).toBeLessThan(1000);
    expect(message).toContain('ctAudit.include.accounts[0]: must be a 12-digit AWS account ID (got "0")');
    expect(message).toContain('ctAudit.include.accounts[4]');
    expect(message).not.toContain('ctAudit.include.accounts[5]');
    expect(message).toContain('... and 99995 more problems (100000 in all)');
  });

  test('many unknown fields are named up to five, then counted', () => {
    const raw = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, 1]));

    const message = settingsError(raw).message;

    expect(message).toContain("unknown field 'field0', 'field1', 'field2', 'field3', 'field4' and 15 more");
  });

  test('control characters in an unknown field name do not reach the message', () => {
    const message = settingsError({ 'evil\u001b[31m\nname': 1 }).message;

    expect(message).not.toContain('\u001b');
    expect(message).not.toContain('\n');
    expect(message).toContain("unknown field 'evil name'");
  });
});
