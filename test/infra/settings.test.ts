import { App } from 'aws-cdk-lib';
import { parseSettings } from '../../functions/lib/settings';
import { loadSettings } from '../../infra/config';
import { cdkJsonContext, synthesize } from './support';

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
    const accounts = Array.from({ length: 250 }, (_, index) => String(100000000000 + index));

    expect(() => synthesize({ exclude: { accounts, organizationalUnits: [] } })).toThrow(
      /ctAudit: .* Lambda allows 4096 bytes of environment/,
    );
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
