import type { IConstruct } from 'constructs';
import { missingSettingsFor } from '../functions/checks/required';
import { InvalidSettingsError } from '../functions/lib/errors';
import { missingSettingsMessage } from '../functions/lib/required-settings';
import { parseSettings, type Settings } from '../functions/lib/settings';

/** The cdk.json context key that holds the settings. */
export const SETTINGS_CONTEXT_KEY = 'ctAudit';

/**
 * The validated settings from the CDK context key `ctAudit`. A wrong setting throws, so `cdk synth` fails with a
 * message that names the setting and the form expected.
 */
export function loadSettings(scope: IConstruct): Settings {
  const settings = parseSettings(
    parseContextValue(scope.node.tryGetContext(SETTINGS_CONTEXT_KEY)),
    SETTINGS_CONTEXT_KEY,
  );
  // The scheduled run uses defaultChecks: refuse to deploy a schedule whose every run would fail for a setting.
  // The deployed Resolve Targets reads the organization, so its ID is discovered when not set.
  const missing = missingSettingsFor(settings.defaultChecks, settings, { organizationDiscoverable: true });
  if (missing.length > 0) {
    throw new InvalidSettingsError(
      `invalid settings: ${SETTINGS_CONTEXT_KEY}.defaultChecks: ${missingSettingsMessage(missing, { flags: false })}`,
    );
  }
  return settings;
}

// `cdk synth -c ctAudit='{...}'` passes the value as a string; cdk.json passes an object.
function parseContextValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidSettingsError(`invalid settings: ${SETTINGS_CONTEXT_KEY}: must be a JSON object (got ${raw})`);
  }
}
