import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, ParameterNotFound, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidSettingsError } from '../../../functions/lib/errors';
import { SETTINGS_SHA256_ENV, settingsFingerprint } from '../../../functions/lib/read-settings';
import { parseSettings, SETTINGS_ENV, type Settings } from '../../../functions/lib/settings';
import {
  deployedSettings,
  SETTINGS_PARAMETER_ENV,
  settingsFromParameter,
} from '../../../functions/lib/settings-parameter';

const NAME = '/ControlTowerAudit/settings';
const ssm = mockClient(SSMClient);

function provider(): SSMProvider {
  return new SSMProvider({ awsSdkV3Client: new SSMClient({ region: 'us-east-1', maxAttempts: 1 }) });
}

function throttle(): SSMServiceException {
  return new SSMServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });
}

beforeEach(() => {
  ssm.reset();
});

describe('settingsFromParameter', () => {
  test('reads the parameter and validates it with the settings schema, defaults filled in', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: '{"maxConcurrency":7}' } });

    const settings = await settingsFromParameter(NAME, provider());

    expect(settings.maxConcurrency).toBe(7);
    expect(settings.defaultChecks).toEqual(['identity']);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME });
  });

  test("text with the stack's fingerprint in the environment given is read as it is, not validated again", async () => {
    // Arrange: the text the stack wrote, and its fingerprint with the schema's identity the build writes into a bundle.
    // A setting no schema allows shows that the schema did not run (the stack never writes one).
    const text = JSON.stringify({ ...parseSettings({}), maxConcurrency: 5000 });
    const built = globalThis as { CT_AUDIT_SETTINGS_SCHEMA_ID?: string };
    built.CT_AUDIT_SETTINGS_SCHEMA_ID = 'schema';
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: text } });
    const env = { [SETTINGS_PARAMETER_ENV]: NAME, [SETTINGS_SHA256_ENV]: settingsFingerprint(text, 'schema') };

    try {
      // Act
      const fromParameter = await settingsFromParameter(NAME, provider(), env);
      const deployed = await deployedSettings(env, (name, given) => settingsFromParameter(name, provider(), given))();

      // Assert
      expect(fromParameter.maxConcurrency).toBe(5000);
      expect(deployed.maxConcurrency).toBe(5000);
      await expect(settingsFromParameter(NAME, provider(), {})).rejects.toThrow('maxConcurrency');
    } finally {
      delete built.CT_AUDIT_SETTINGS_SCHEMA_ID;
    }
  });

  test('a wrong setting in the parameter names the parameter and the setting', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: '{"maxConcurrency":5000}' } });

    await expect(settingsFromParameter(NAME, provider())).rejects.toThrow(
      `invalid settings: SSM parameter ${NAME}.maxConcurrency: must be a whole number from 1 to 1000`,
    );
  });

  test('a parameter that is not JSON is InvalidSettings, saying to deploy again', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: '{maxConcurrency' } });

    const error = await settingsFromParameter(NAME, provider()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect((error as Error).message).toBe(`SSM parameter ${NAME} is not valid JSON: deploy the stack again`);
  });

  test('a missing parameter is InvalidSettings naming it and the SSM error', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: 'Parameter not found' }));

    const error = await settingsFromParameter(NAME, provider()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot read the settings from SSM parameter ${NAME}: ParameterNotFound: Parameter not found;`),
    );
  });

  test('a throttle is thrown under its own name, so that the workflow retries it', async () => {
    ssm.on(GetParameterCommand).rejects(throttle());

    await expect(settingsFromParameter(NAME, provider())).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('deployedSettings', () => {
  const settings = { maxConcurrency: 3 } as Settings;

  test('reads the parameter named in the environment once, then answers from its cache', async () => {
    const read = jest.fn(async () => settings);
    const env = { [SETTINGS_PARAMETER_ENV]: NAME };
    const get = deployedSettings(env, read);

    await expect(get()).resolves.toBe(settings);
    await expect(get()).resolves.toBe(settings);
    expect(read).toHaveBeenCalledTimes(1);
    // With the environment, where the reader finds the stack's fingerprint.
    expect(read).toHaveBeenCalledWith(NAME, env);
  });

  test('a failed read is tried again by the next call', async () => {
    const read = jest.fn().mockRejectedValueOnce(throttle()).mockResolvedValueOnce(settings);
    const get = deployedSettings({ [SETTINGS_PARAMETER_ENV]: NAME }, read);

    await expect(get()).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(get()).resolves.toBe(settings);
    expect(read).toHaveBeenCalledTimes(2);
  });

  test('without a parameter name, the settings come from CT_AUDIT_SETTINGS (a function on a Control Tower role)', async () => {
    const read = jest.fn();
    const get = deployedSettings({ [SETTINGS_ENV]: '{"maxConcurrency":9}' }, read);

    await expect(get()).resolves.toMatchObject({ maxConcurrency: 9 });
    expect(read).not.toHaveBeenCalled();
  });

  test('with neither variable set it throws at once, naming both', () => {
    expect(() => deployedSettings({})).toThrow(
      new InvalidSettingsError(
        `environment variable ${SETTINGS_PARAMETER_ENV} (or ${SETTINGS_ENV}) is not set; the stack sets it on every function`,
      ),
    );
  });
});
