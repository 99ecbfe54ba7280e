import { InvalidSettingsError } from '../../../functions/lib/errors';
import { parseSettings, SETTINGS_ENV, settingsFromEnv } from '../../../functions/lib/settings';

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
      maxConcurrency: 1000,
      include: { accounts: ['111111111111'], organizationalUnits: ['ou-ab12-cd34ef56'] },
      schedule: { expression: 'rate(12 hours)' },
    });

    expect(settings).toMatchObject({
      maxConcurrency: 1000,
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

describe('settingsFromEnv', () => {
  test('reads the settings the stack put in the environment', () => {
    const settings = settingsFromEnv({ [SETTINGS_ENV]: JSON.stringify({ maxConcurrency: 7 }) });

    expect(settings.maxConcurrency).toBe(7);
  });

  test('a missing variable is InvalidSettings naming it', () => {
    expect(() => settingsFromEnv({})).toThrow(
      expect.objectContaining({ name: 'InvalidSettings', message: expect.stringContaining(SETTINGS_ENV) }),
    );
  });

  test('a variable that is not JSON is InvalidSettings saying so', () => {
    expect(() => settingsFromEnv({ [SETTINGS_ENV]: '{maxConcurrency: 7' })).toThrow(
      expect.objectContaining({
        name: 'InvalidSettings',
        message: `environment variable ${SETTINGS_ENV} is not valid JSON`,
      }),
    );
  });

  test('a wrong setting in the variable is named with the variable as its root', () => {
    expect(() => settingsFromEnv({ [SETTINGS_ENV]: '{"maxConcurrency":0}' })).toThrow(
      `${SETTINGS_ENV}.maxConcurrency: must be a whole number from 1 to 1000 (got 0)`,
    );
  });
});
