import type { IConstruct } from 'constructs';
import { InvalidSettingsError } from '../functions/lib/errors';
import { parseSettings, type Settings } from '../functions/lib/settings';

/** The cdk.json context key that holds the settings. */
export const SETTINGS_CONTEXT_KEY = 'ctAudit';

/**
 * The validated settings from the CDK context key `ctAudit`. A wrong setting throws, so `cdk synth` fails with a
 * message that names the setting and the form expected.
 */
export function loadSettings(scope: IConstruct): Settings {
  return parseSettings(parseContextValue(scope.node.tryGetContext(SETTINGS_CONTEXT_KEY)), SETTINGS_CONTEXT_KEY);
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
