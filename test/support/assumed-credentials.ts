import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * The credentials of a role the emulator lets the test assume (moto hands them out for any account): how a test makes
 * resources in a member account.
 */
export async function assumedCredentials(
  config: STSClientConfig,
  roleArn: string,
  sessionName: string,
): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await new STSClient(config).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new Error(`the emulator gave no credentials for ${roleArn}`);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}
