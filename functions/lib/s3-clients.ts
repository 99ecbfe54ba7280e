import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3ControlClient, type S3ControlClientConfig } from '@aws-sdk/client-s3-control';
import { emulatorEndpoint } from './clients';

// Kept apart from clients.ts so that only the functions that use S3 Control bundle it.

/**
 * S3 Control in the session's region. Its endpoint rules put the account ID in front of the host
 * (`<account>.s3-control.<region>.amazonaws.com`); an emulator's endpoint (`http://127.0.0.1:5000`) cannot take
 * that prefix, so with one set the endpoint is used as it is. Against AWS nothing changes.
 */
export class AccountS3ControlClient extends S3ControlClient {
  constructor(config: S3ControlClientConfig) {
    const endpoint = emulatorEndpoint('S3_CONTROL');
    super(endpoint ? { ...config, endpointProvider: () => ({ url: new URL(endpoint) }) } : config);
  }
}

/** S3 in one bucket's region; path-style against an emulator, which answers every bucket on one host. */
export class BucketS3Client extends S3Client {
  constructor(config: S3ClientConfig) {
    super({ ...config, forcePathStyle: Boolean(emulatorEndpoint('S3')) });
  }
}
