import {
  readSettings,
  SETTINGS_SHA256_ENV,
  settingsFingerprint,
  settingsFromEnv,
} from '../../../functions/lib/read-settings';
import { parseSettings, type SettingsInput } from '../../../functions/lib/settings';
import { SETTINGS_ENV } from '../../../functions/lib/settings-env';
import { cdkJsonContext } from '../../infra/support';

// A function reads the settings the stack wrote, with the stack's fingerprint of that text beside them; only other
// text goes through the schema, which is then loaded (functions/lib/read-settings.ts).
const SCHEMA_MODULE = '../../../functions/lib/settings';
afterEach(() => jest.dontMock(SCHEMA_MODULE));

// What the build writes into a bundle (infra/bundling.ts, `define`): the identity of the schema it carries. The sources
// run as they are have none.
const SCHEMA_ID = 'the-schema-of-this-build';
const builtIn = globalThis as { CT_AUDIT_SETTINGS_SCHEMA_ID?: string };
beforeEach(() => {
  builtIn.CT_AUDIT_SETTINGS_SCHEMA_ID = SCHEMA_ID;
});
afterEach(() => {
  delete builtIn.CT_AUDIT_SETTINGS_SCHEMA_ID;
});

/** The text the stack writes for `input`, and the environment of a function reading it from the environment. */
function deployed(input: SettingsInput): { text: string; env: NodeJS.ProcessEnv } {
  const text = JSON.stringify(parseSettings(input));
  return { text, env: { [SETTINGS_ENV]: text, [SETTINGS_SHA256_ENV]: settingsFingerprint(text, SCHEMA_ID) } };
}

/** Every block of the settings set to something other than its default. */
const EVERYTHING: SettingsInput = {
  schedule: { expression: 'rate(12 hours)', timeZone: 'Europe/Paris', enabled: false },
  roles: { createDedicatedRoles: true, auditReadOnlyRoleName: 'AuditReader' },
  organizationId: 'o-a1b2c3d4e5',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1', 'us-east-1'],
  defaultChecks: ['identity', 'cloudtrail-events', 'network-exposure'],
  maxConcurrency: 25,
  include: { organizationalUnits: ['ou-ab12-cd34ef56'] },
  exclude: { accounts: ['222222222222'] },
  logArchive: { accountId: '333333333333', bucket: 'aws-controltower-logs-333333333333-eu-west-1', keyPrefix: '' },
  cloudtrail: { rules: { 'root-activity': false }, lookbackHours: 48, ignorePrincipals: ['arn:aws:iam::*:role/Ci'] },
  exposure: { allowedPublicPorts: [443], highRiskPorts: [22, 3389] },
  adminEnabled: true,
  remediation: {
    actions: { 'revoke-world-ingress': true },
    requireApproval: true,
    exemptions: [
      {
        account: '444444444444',
        resource: 'sg-0123456789abcdef0',
        reason: 'web tier',
        owner: 'web',
        expires: '2027-06-30',
      },
    ],
    approvalTopicArn: 'arn:aws:sns:eu-west-1:111111111111:approvals',
    afterScheduledAudit: 'plan',
  },
  mutes: [
    {
      account: '444444444444',
      rule: 'root-activity',
      reason: 'break-glass drill',
      owner: 'sec',
      expires: '2027-01-31',
    },
  ],
  notify: { emails: ['security@example.com'], always: true },
  securityHub: { enabled: true },
  reportReaders: ['arn:aws:iam::111111111111:role/SecurityReader'],
  concurrencyLimit: 100,
  sdk: { connectionTimeoutMs: 1_000 },
  logRetentionDays: 365,
  reportRetentionDays: 30,
};

describe('settingsFingerprint', () => {
  test("is the SHA-256 of the schema's identity, a line feed and the text, in hex", () => {
    expect(settingsFingerprint('{}', 'id')).toBe('cd22b4998accc1e217685abf4324b5d28c46e3c308ffffcf137b37ce3ab28dcc');
  });
});

describe('the text the stack writes', () => {
  test.each([
    ['the defaults', {}],
    ["cdk.json's settings", cdkJsonContext().ctAudit as SettingsInput],
    ['every block set', EVERYTHING],
  ])(
    '%s: validating it again gives it back unchanged, so reading it as JSON gives what validating would',
    (_, input) => {
      const { text } = deployed(input);

      expect(parseSettings(JSON.parse(text))).toEqual(JSON.parse(text));
    },
  );
});

describe('readSettings', () => {
  const source = { source: 'SSM parameter /audit/settings', notJson: 'SSM parameter /audit/settings is not JSON' };

  /** readSettings in a module registry of its own, with `schema` standing in for the settings' schema module. */
  function withStandIn<T>(schema: () => unknown, use: (read: typeof readSettings) => T): T {
    let result: { value: T } | undefined;
    jest.isolateModules(() => {
      jest.doMock(SCHEMA_MODULE, schema);
      const fresh =
        require('../../../functions/lib/read-settings') as typeof import('../../../functions/lib/read-settings');
      result = { value: use(fresh.readSettings) };
    });
    return (result as { value: T }).value;
  }

  test("text with the stack's fingerprint is read without loading the schema", () => {
    const { text, env } = deployed(EVERYTHING);
    const load = jest.fn(() => ({ parseSettings: () => ({ validated: true }) }));

    const settings = withStandIn(load, (read) => read({ text, ...source }, env));

    expect(settings).toEqual(JSON.parse(text));
    expect(load).not.toHaveBeenCalled();
  });

  test('text without a fingerprint, or with another, is validated by the schema, loaded then', () => {
    const { text } = deployed(EVERYTHING);
    const parse = jest.fn(() => ({ validated: true }));
    const load = jest.fn(() => ({ parseSettings: parse }));

    const results = withStandIn(load, (read) => [
      read({ text, ...source }, {}),
      read({ text, ...source }, { [SETTINGS_SHA256_ENV]: settingsFingerprint(`${text} `, SCHEMA_ID) }),
    ]);

    expect(results).toEqual([{ validated: true }, { validated: true }]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(parse).toHaveBeenCalledWith(JSON.parse(text), source.source);
  });

  test('text the stack wrote for another schema (a deployment of other code) is validated by the schema this code carries', () => {
    const { text } = deployed(EVERYTHING);
    const load = jest.fn(() => ({ parseSettings: () => ({ validated: true }) }));

    const settings = withStandIn(load, (read) =>
      read({ text, ...source }, { [SETTINGS_SHA256_ENV]: settingsFingerprint(text, 'the-schema-of-another-build') }),
    );

    expect(settings).toEqual({ validated: true });
    expect(load).toHaveBeenCalledTimes(1);
  });

  test("where no schema's identity is built in (the sources run as they are), even the stack's text is validated", () => {
    const { text, env } = deployed(EVERYTHING);
    const load = jest.fn(() => ({ parseSettings: () => ({ validated: true }) }));
    delete builtIn.CT_AUDIT_SETTINGS_SCHEMA_ID;

    const settings = withStandIn(load, (read) => read({ text, ...source }, env));

    expect(settings).toEqual({ validated: true });
    expect(load).toHaveBeenCalledTimes(1);
  });

  test('a setting changed by hand after deployment no longer matches the fingerprint and is refused by the schema', () => {
    const { text, env } = deployed({ maxConcurrency: 25 });
    const edited = text.replace('"maxConcurrency":25', '"maxConcurrency":0');

    expect(() => readSettings({ text: edited, ...source }, env)).toThrow(
      'SSM parameter /audit/settings.maxConcurrency: must be a whole number from 1 to 1000 (got 0)',
    );
  });

  test('text that is not JSON is InvalidSettings with the message given, fingerprint or not', () => {
    const text = '{maxConcurrency: 7';

    for (const env of [{}, { [SETTINGS_SHA256_ENV]: settingsFingerprint(text, SCHEMA_ID) }]) {
      expect(() => readSettings({ text, ...source }, env)).toThrow(
        expect.objectContaining({ name: 'InvalidSettings', message: source.notJson }),
      );
    }
  });
});

describe('settingsFromEnv', () => {
  test('reads the settings the stack put in the environment, with their fingerprint', () => {
    const { env } = deployed({ maxConcurrency: 7 });

    expect(settingsFromEnv(env).maxConcurrency).toBe(7);
  });

  test('validates settings without a fingerprint, filling in the defaults', () => {
    const settings = settingsFromEnv({ [SETTINGS_ENV]: JSON.stringify({ maxConcurrency: 7 }) });

    expect(settings).toEqual(parseSettings({ maxConcurrency: 7 }));
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
