import { App } from 'aws-cdk-lib';
import { parseSettings } from '../../functions/lib/settings';
import { SETTINGS_PARAMETER_ENV } from '../../functions/lib/settings-parameter';
import { loadSettings } from '../../infra/config';
import { cdkJsonContext, onlyLogicalIdOf, synthesize } from './support';

/** `count` distinct account IDs, about 15 bytes each as JSON. */
function accountIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String(100000000000 + index));
}

/**
 * What Lambda counts of a function's variables as the template holds them: their compact JSON, with the bucket's name
 * (a `Ref`, the only value not known at synth) at S3's longest, 63 characters.
 */
function lambdaCountedBytes(variables: Record<string, unknown>): number {
  const values = Object.entries(variables).map(([name, value]) => {
    if (typeof value === 'string') return [name, value];
    expect(name).toBe('REPORT_BUCKET');
    return [name, 'b'.repeat(63)];
  });
  return Buffer.byteLength(JSON.stringify(Object.fromEntries(values)));
}

function settingsFromContext(ctAudit: unknown) {
  return loadSettings(new App({ context: { ctAudit } }));
}

describe('Settings from the cdk.json context ctAudit', () => {
  test('Compliance: the ctAudit block of cdk.json is valid', () => {
    expect(() => settingsFromContext(cdkJsonContext().ctAudit)).not.toThrow();
  });

  test('Compliance: no ctAudit at all means the defaults', () => {
    expect(loadSettings(new App())).toEqual(parseSettings({}));
  });

  test('Compliance: a value given with -c ctAudit=<json> is read as JSON', () => {
    const settings = settingsFromContext('{"maxConcurrency": 10, "adminEnabled": true}');

    expect(settings).toMatchObject({ maxConcurrency: 10, adminEnabled: true });
  });

  test('Noncompliance 1: a number out of range names the setting and the range', () => {
    expect(() => settingsFromContext({ maxConcurrency: 5000 })).toThrow(
      /ctAudit\.maxConcurrency: must be a whole number from 1 to 1000 \(got 5000\)/,
    );
  });

  test('Noncompliance 2: a schedule that Scheduler would reject names the setting and the form expected', () => {
    expect(() => settingsFromContext({ schedule: { expression: '0 6 * * *' } })).toThrow(
      /ctAudit\.schedule\.expression: must be an EventBridge Scheduler expression/,
    );
  });

  test('Noncompliance 3: an unknown time zone names the setting', () => {
    expect(() => settingsFromContext({ schedule: { timeZone: 'Mars/Olympus' } })).toThrow(
      /ctAudit\.schedule\.timeZone/,
    );
  });

  test('Noncompliance 4: a misspelt setting is reported rather than ignored', () => {
    expect(() => settingsFromContext({ maxConcurency: 10 })).toThrow(/unknown field 'maxConcurency'/);
  });

  test('Noncompliance 5: a -c value that is not JSON says so', () => {
    expect(() => settingsFromContext('{maxConcurrency: 10')).toThrow(/ctAudit: must be a JSON object/);
  });

  test('Noncompliance 6: settings too large for the Lambda environment fail the synth with what to change', () => {
    expect(() => synthesize({ exclude: { accounts: accountIds(250), organizationalUnits: [] } })).toThrow(
      /ctAudit: .* Lambda allows 4096 bytes of environment.* roles\.createDedicatedRoles/,
    );
  });

  test('Compliance: the synth accepts settings up to the last byte Lambda accepts, counted as Lambda counts them', () => {
    // Lambda counts the environment as one JSON object, quotes and escapes included ("String measured: {...}"), and
    // the settings' JSON inside it has two bytes for each of its quotes. The largest exclusion list the synth takes
    // must give environments that fit, and the next account ID must not have fitted.
    const excluding = (count: number) => ({
      adminEnabled: true,
      exclude: { accounts: accountIds(count), organizationalUnits: [] },
    });
    const synthesizes = (count: number) => {
      try {
        return synthesize(excluding(count));
      } catch (error) {
        if (/Lambda allows 4096 bytes of environment/.test(String(error))) return undefined;
        throw error;
      }
    };
    // Bisect between a list that fits and one that does not.
    let [fits, tooBig] = [50, 250];
    expect(synthesizes(fits)).toBeDefined();
    expect(synthesizes(tooBig)).toBeUndefined();
    while (tooBig - fits > 1) {
      const middle = Math.floor((fits + tooBig) / 2);
      if (synthesizes(middle)) fits = middle;
      else tooBig = middle;
    }

    const { template } = synthesizes(fits) as NonNullable<ReturnType<typeof synthesizes>>;
    const sizes = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>)
      .filter((variables) => 'CT_AUDIT_SETTINGS' in variables)
      .map(lambdaCountedBytes);
    // Audit Account, the admin path's Audit Account and the six remediation functions.
    expect(sizes).toHaveLength(8);
    const largest = Math.max(...sizes);
    expect(largest).toBeLessThanOrEqual(4096);
    // One more ID adds `,\"100000000nnn\"` (17 bytes) to the largest: that is what did not fit.
    expect(largest + 17).toBeGreaterThan(4096);
  });

  test('Noncompliance 7: with the admin path, settings too large for the remediation functions’ environment fail the synth, even with dedicated roles', () => {
    expect(() =>
      synthesize({
        adminEnabled: true,
        roles: { createDedicatedRoles: true },
        organizationId: 'o-a1b2c3d4e5',
        exclude: { accounts: accountIds(250), organizationalUnits: [] },
      }),
    ).toThrow(/ctAudit: .* Lambda allows 4096 bytes of environment.* where the remediation functions get them/);
  });

  test('Compliance: with dedicated roles, settings over 4 KB go to an Advanced SSM parameter that every reader reads', () => {
    const { template } = synthesize({
      roles: { createDedicatedRoles: true },
      organizationId: 'o-a1b2c3d4e5',
      exclude: { accounts: accountIds(250), organizationalUnits: [] },
    });
    const parameterId = onlyLogicalIdOf(template, 'AWS::SSM::Parameter');
    const parameter = template.toJSON().Resources[parameterId].Properties;
    const readers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      ({ Properties: properties }) => properties.Environment.Variables[SETTINGS_PARAMETER_ENV] !== undefined,
    );

    expect(parameter.Tier).toBe('Advanced');
    expect(parseSettings(JSON.parse(parameter.Value)).exclude.accounts).toHaveLength(250);
    // Resolve Targets, Audit Account, Summarize and Publish Report; no function carries the settings themselves.
    expect(readers).toHaveLength(4);
    for (const { Properties: properties } of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(properties.Environment.Variables.CT_AUDIT_SETTINGS).toBeUndefined();
    }
  });

  test('Noncompliance 7: settings too large for an SSM parameter (8 KB) fail the synth with what to change', () => {
    expect(() =>
      synthesize({
        roles: { createDedicatedRoles: true },
        organizationId: 'o-a1b2c3d4e5',
        exclude: { accounts: accountIds(600), organizationalUnits: [] },
      }),
    ).toThrow(/ctAudit: the settings take \d+ bytes as JSON, and an SSM parameter holds at most 8192 bytes; shorten/);
  });
});

describe('Settings complete for the default checks', () => {
  test('Noncompliance: CloudTrail checks by default without their settings name every missing setting at once', () => {
    expect(() => settingsFromContext({ defaultChecks: ['identity', 'cloudtrail-delivery'] })).toThrow(
      /ctAudit\.defaultChecks: settings missing .*ctAudit\.homeRegion, needed by cloudtrail-delivery; ctAudit\.logArchive\.accountId, needed by cloudtrail-delivery$/,
    );
  });

  test('Compliance: the organization ID is not asked for, Resolve Targets reads it', () => {
    const settings = settingsFromContext({
      defaultChecks: ['cloudtrail-delivery', 'cloudtrail-events'],
      homeRegion: 'eu-west-1',
      logArchive: { accountId: '222222222222' },
    });

    expect(settings.defaultChecks).toEqual(['cloudtrail-delivery', 'cloudtrail-events']);
  });

  test('Compliance: null in cdk.json means not set', () => {
    expect(settingsFromContext({ homeRegion: null, logArchive: { accountId: null } })).toEqual(parseSettings({}));
  });
});
