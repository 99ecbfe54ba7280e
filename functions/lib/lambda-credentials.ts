/**
 * The credential chain of the deployed functions. Every function bundle takes this module in place of
 * `@aws-sdk/credential-provider-node`, the SDK's default chain (infra/bundling.ts, `lambdaCredentials`); the CLI and
 * the tests run the TypeScript sources and keep the default chain, profiles and SSO included.
 *
 * Lambda hands a function its execution role's credentials in the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), and an execution environment that serves them from an endpoint
 * instead names it in `AWS_CONTAINER_CREDENTIALS_FULL_URI` (or `_RELATIVE_URI`). Those are the two links of the default
 * chain that can apply in Lambda, in its order. Its others (profiles, SSO, `aws login`, `credential_process`, web
 * identity token files, EC2 instance metadata) never apply there, and their code and nested STS, SSO and Sign-in
 * clients added about 100 KB to every bundle and 7–27 ms to its cold start (README, "Cold start").
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { CredentialsProviderError, chain } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/** What a client hands its default credential provider: its own configuration, of which the logger is read. */
export interface LambdaCredentialsInit {
  readonly logger?: Logger;
}

/** Renewed this long before they expire, as the default chain does. */
const REFRESH_BEFORE_MS = 5 * 60_000;

const CONTAINER_ENV_NAMES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] as const;

/** The message when a function finds no credentials: what was looked for, and why the CLI does not use this chain. */
export const NO_LAMBDA_CREDENTIALS =
  'No credentials for the AWS SDK: neither AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY nor ' +
  `${CONTAINER_ENV_NAMES.join(' or ')} is set. Lambda sets them for a function's execution role; ` +
  'this chain is built into the function bundles only (infra/bundling.ts): outside Lambda, run ct-audit, which uses ' +
  'the default chain.';

/**
 * `@aws-sdk/credential-provider-node`'s `defaultProvider`, for Lambda: the environment, then the container endpoint;
 * a {@link NO_LAMBDA_CREDENTIALS} error when there is neither. Kept as the SDK's default chain keeps them: fetched
 * when there are none, when they have expired or when a caller forces it; in their last 5 minutes, the ones in hand
 * are returned while new ones are fetched in the background, and a failed renewal is tried again on the next call.
 */
export function defaultProvider(init: LambdaCredentialsInit = {}): AwsCredentialIdentityProvider {
  const { logger } = init;
  const fetchCredentials = chain(fromEnv({ logger }), async () => {
    // fromHttp throws at once when neither variable is set, so it is made only when the chain gets here. Its own
    // errors (an endpoint that fails) are the last link's and reach the caller as they are.
    if (CONTAINER_ENV_NAMES.every((name) => !process.env[name])) {
      throw new CredentialsProviderError(NO_LAMBDA_CREDENTIALS, { logger, tryNextLink: false });
    }
    return fromHttp({ logger })();
  });
  let held: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fetchOnce = (): Promise<AwsCredentialIdentity> => {
    pending ??= fetchCredentials()
      .then((credentials) => {
        held = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return async (options?: { forceRefresh?: boolean }) => {
    const expiresAt = held?.expiration?.getTime();
    if (held === undefined || options?.forceRefresh || (expiresAt !== undefined && expiresAt <= Date.now())) {
      return fetchOnce();
    }
    if (expiresAt !== undefined && expiresAt - Date.now() < REFRESH_BEFORE_MS) fetchOnce().catch(() => undefined);
    return held;
  };
}
