import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsClient } from './clients';
import { errorMessage, errorName, InvalidSettingsError, isThrottle } from './errors';
import { readSettings, settingsFromEnv } from './read-settings';
import type { Settings } from './settings';
import { SETTINGS_ENV } from './settings-env';

/** The environment variable that names the SSM parameter holding the settings (a String parameter of JSON). */
export const SETTINGS_PARAMETER_ENV = 'CT_AUDIT_SETTINGS_PARAMETER';

/** Read once per execution environment: the stack rewrites the parameter only on deploy, which replaces it. */
const CACHE_SECONDS = 24 * 3600;

/**
 * The settings in an SSM parameter, read with Powertools Parameters (cached): the text the stack wrote, as its
 * fingerprint in `CT_AUDIT_SETTINGS_SHA256` says, else validated by the same schema as cdk.json (read-settings.ts,
 * `readSettings`). A missing or wrong parameter is {@link InvalidSettingsError}; a throttle is thrown as it is, so the
 * workflow's Retry sees its name.
 */
export async function settingsFromParameter(
  name: string,
  provider: SSMProvider = defaultProvider(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<Settings> {
  let text: unknown;
  try {
    text = await provider.get(name, { maxAge: CACHE_SECONDS });
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    if (isThrottle(cause)) throw cause;
    throw new InvalidSettingsError(
      `cannot read the settings from SSM parameter ${name}: ${errorName(cause) ?? 'Error'}: ${errorMessage(cause)}; ` +
        'the stack writes it and grants this function ssm:GetParameter on it: deploy the stack again',
    );
  }
  if (typeof text !== 'string') {
    throw new InvalidSettingsError(`SSM parameter ${name} is empty: deploy the stack again`);
  }
  return readSettings(
    {
      text,
      source: `SSM parameter ${name}`,
      notJson: `SSM parameter ${name} is not valid JSON: deploy the stack again`,
    },
    env,
  );
}

let provider: SSMProvider | undefined;

function defaultProvider(): SSMProvider {
  provider ??= new SSMProvider({ awsSdkV3Client: awsClient(SSMClient) });
  return provider;
}

/**
 * The settings of a deployed function: from the SSM parameter named in `CT_AUDIT_SETTINGS_PARAMETER`, or, for a
 * function that runs as a Control Tower role (which the stack cannot grant SSM), from `CT_AUDIT_SETTINGS`. The
 * returned function reads them once and caches them; a failed read is tried again by the next invocation.
 */
export function deployedSettings(
  env: NodeJS.ProcessEnv = process.env,
  read: (name: string, env: NodeJS.ProcessEnv) => Promise<Settings> = (name, env) =>
    settingsFromParameter(name, undefined, env),
): () => Promise<Settings> {
  const name = env[SETTINGS_PARAMETER_ENV];
  if (!name && !env[SETTINGS_ENV]) {
    throw new InvalidSettingsError(
      `environment variable ${SETTINGS_PARAMETER_ENV} (or ${SETTINGS_ENV}) is not set; the stack sets it on every function`,
    );
  }
  if (!name) {
    // Read at cold start (validated unless they carry the stack's fingerprint), so a wrong deployment fails before
    // any run.
    const settings = settingsFromEnv(env);
    return async () => settings;
  }
  let pending: Promise<Settings> | undefined;
  return () => {
    pending ??= read(name, env).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
