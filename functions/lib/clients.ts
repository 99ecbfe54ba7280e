import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  RequestHandler,
} from '@smithy/types';
import { partitionOf } from './partition';

/**
 * Retries for every client: the SDK's standard mode backs off exponentially with full jitter on throttling and
 * 5xx errors. Eight attempts ride out the bursts of a 40-wide fan-out hitting STS and S3 at once.
 */
export const MAX_ATTEMPTS = 8;

/** Credentials as clients take them: fixed, or a provider that refreshes. */
export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** The region the functions run in; the SDK's own resolution when unset (CLI on a laptop). */
function region(): string | undefined {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

/** Settings a caller may add: tests pass a request handler to exercise the real retry middleware. */
export interface ClientExtras {
  readonly requestHandler?: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>;
  /** Attempts per call, first included. @default MAX_ATTEMPTS */
  readonly maxAttempts?: number;
}

/** Common configuration. Every client follows `AWS_ENDPOINT_URL` on its own, which is how the sandbox works. */
function baseConfig(credentials?: Credentials, extras: ClientExtras = {}) {
  return {
    region: region() ?? 'us-east-1',
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    credentials,
    ...extras,
  } as const;
}

/** Any AWS SDK v3 client class, e.g. `EC2Client`. */
export type AwsClientConstructor<C> = new (config: ReturnType<typeof baseConfig> & { region: string }) => C;

/**
 * Any client with the common configuration (retries, credentials) in a region; the region of the functions when
 * left out. What {@link AccountSession.client} builds for the checks, per region.
 */
export function awsClient<C>(
  Ctor: AwsClientConstructor<C>,
  credentials?: Credentials,
  options: ClientExtras & { readonly region?: string } = {},
): C {
  const { region: wanted, ...extras } = options;
  const config = baseConfig(credentials, extras);
  return new Ctor({ ...config, region: wanted ?? config.region });
}

/** An STS client, as the function's own role or with the given credentials. */
export function stsClient(credentials?: Credentials, extras?: ClientExtras): STSClient {
  return new STSClient(baseConfig(credentials, extras));
}

/** An S3 client that follows the bucket's region (the Log Archive bucket lives in the home region). */
export function s3Client(credentials?: Credentials, extras?: ClientExtras): S3Client {
  return new S3Client({ ...baseConfig(credentials, extras), followRegionRedirects: true, forcePathStyle: pathStyle() });
}

/** Where each partition answers Organizations, a global service. */
const ORGANIZATIONS_REGION: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-us-gov': 'us-gov-west-1',
  'aws-cn': 'cn-northwest-1',
};

/** An Organizations client, in the region that answers it for the partition the code runs in. */
export function organizationsClient(credentials?: Credentials, extras?: ClientExtras): OrganizationsClient {
  const config = baseConfig(credentials, extras);
  return new OrganizationsClient({
    ...config,
    region: ORGANIZATIONS_REGION[partitionOf(config.region)] ?? config.region,
  });
}

/** Emulators answer S3 on one host; path-style addressing avoids bucket subdomains on localhost. */
function pathStyle(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
}
