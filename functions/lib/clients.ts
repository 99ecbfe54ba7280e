import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  NodeHttpHandlerOptions,
  RequestHandler,
} from '@smithy/types';
import { partitionOf } from './partition';
import { SDK_TIMEOUTS_ENV, SETTINGS_ENV } from './settings-env';

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

/** How long an AWS call may wait, so that a silent endpoint (or a firewall that drops packets) fails the call. */
export interface ClientTimeouts {
  /** Milliseconds to establish the TCP (and TLS) connection. */
  readonly connectionTimeoutMs: number;
  /** Milliseconds to wait for the response headers, and for each piece of a streamed body. */
  readonly requestTimeoutMs: number;
}

/** The defaults of the `sdk` settings: a call that gets no answer fails in seconds, and the SDK retries it. */
export const DEFAULT_TIMEOUTS: ClientTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 20_000 };

let configuredTimeouts: ClientTimeouts | undefined;

/** Sets the timeouts of every client made from now on: the CLI calls it with its settings. */
export function configureClientTimeouts(timeouts: ClientTimeouts | undefined): void {
  configuredTimeouts = timeouts;
}

/**
 * The timeouts in force: those configured, else the `sdk` block of the settings a function was deployed with (read
 * from its environment, in the settings or, where it reads them from SSM, alone: so that clients built at module
 * scope in a handler get them too), else the defaults.
 */
export function clientTimeouts(env: NodeJS.ProcessEnv = process.env): ClientTimeouts {
  if (configuredTimeouts) return configuredTimeouts;
  const settings = env[SETTINGS_ENV];
  const text = settings || env[SDK_TIMEOUTS_ENV];
  if (!text) return DEFAULT_TIMEOUTS;
  try {
    const parsed = JSON.parse(text) as Partial<ClientTimeouts> & { sdk?: Partial<ClientTimeouts> };
    const sdk = (settings ? parsed.sdk : parsed) ?? {};
    return {
      connectionTimeoutMs: positive(sdk.connectionTimeoutMs) ?? DEFAULT_TIMEOUTS.connectionTimeoutMs,
      requestTimeoutMs: positive(sdk.requestTimeoutMs) ?? DEFAULT_TIMEOUTS.requestTimeoutMs,
    };
  } catch {
    // settingsFromEnv reports bad settings at cold start; the clients keep the defaults.
    return DEFAULT_TIMEOUTS;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Settings a caller may add: tests pass a request handler to exercise the real retry middleware. */
export interface ClientExtras {
  readonly requestHandler?: RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>;
  /** Attempts per call, first included. @default MAX_ATTEMPTS */
  readonly maxAttempts?: number;
}

/**
 * Common configuration. Every client follows `AWS_ENDPOINT_URL` on its own, which is how the sandbox works. The
 * request handler is given as options (the SDK builds its NodeHttpHandler from them) unless a caller passes one.
 */
function baseConfig(credentials?: Credentials, extras: ClientExtras = {}) {
  const timeouts = clientTimeouts();
  return {
    region: region() ?? 'us-east-1',
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    credentials,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it a breached requestTimeout is only a warning; the socket timeout covers a stalled body.
      throwOnRequestTimeout: true,
      socketTimeout: timeouts.requestTimeoutMs,
    } as NodeHttpHandlerOptions | NonNullable<ClientExtras['requestHandler']>,
    ...extras,
  } as const;
}

/** Network failures whose message should say which endpoint did not answer. */
const NETWORK_ERRORS = new Set(['TimeoutError', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * Adds the endpoint to the message of a network failure (`... (endpoint http://127.0.0.1:5000)`), once, after the
 * SDK's retries: a timeout that names no host sends a person looking in the wrong place.
 */
export function nameEndpointInErrors<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(
  client: C,
): C {
  const middleware =
    (next: (args: unknown) => Promise<unknown>) =>
    async (args: unknown): Promise<unknown> => {
      try {
        return await next(args);
      } catch (error) {
        const request = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
        const code = (error as { code?: unknown }).code;
        if (
          error instanceof Error &&
          request?.hostname &&
          (NETWORK_ERRORS.has(error.name) || NETWORK_ERRORS.has(String(code)))
        ) {
          const endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
          if (!error.message.includes(endpoint)) error.message = `${error.message} (endpoint ${endpoint})`;
        }
        throw error;
      }
    };
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(middleware, {
    step: 'build',
    name: 'ctAuditNameEndpoint',
    override: true,
  });
  return client;
}

/** What {@link nameEndpointInErrors} needs of a client. */
type NamedClient = { middlewareStack: { add: (...args: never[]) => unknown } };

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
  return nameEndpointInErrors(new Ctor({ ...config, region: wanted ?? config.region }) as C & NamedClient);
}

/** An STS client, as the function's own role or with the given credentials. */
export function stsClient(credentials?: Credentials, extras?: ClientExtras): STSClient {
  return nameEndpointInErrors(new STSClient(baseConfig(credentials, extras)));
}

/** An S3 client that follows the bucket's region (the Log Archive bucket lives in the home region). */
export function s3Client(credentials?: Credentials, extras?: ClientExtras): S3Client {
  return nameEndpointInErrors(
    new S3Client({ ...baseConfig(credentials, extras), followRegionRedirects: true, forcePathStyle: pathStyle() }),
  );
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
  return nameEndpointInErrors(
    new OrganizationsClient({
      ...config,
      region: ORGANIZATIONS_REGION[partitionOf(config.region)] ?? config.region,
    }),
  );
}

/** Emulators answer S3 on one host; path-style addressing avoids bucket subdomains on localhost. */
function pathStyle(): boolean {
  return Boolean(emulatorEndpoint('S3'));
}

/** The endpoint an emulator is reached at for a service, when one is set (the sandbox, `ct-audit run --endpoint`). */
export function emulatorEndpoint(service: 'S3' | 'S3_CONTROL'): string | undefined {
  return process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL;
}
