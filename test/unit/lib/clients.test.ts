import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { SessionCache } from '../../../functions/lib/assume-role';
import {
  clientTimeouts,
  configureClientTimeouts,
  DEFAULT_TIMEOUTS,
  MAX_ATTEMPTS,
  organizationsClient,
  stsClient,
} from '../../../functions/lib/clients';
import { SETTINGS_ENV } from '../../../functions/lib/settings';
import { SDK_TIMEOUTS_ENV } from '../../../functions/lib/settings-env';
import { listOrganization } from '../../../functions/resolve-targets/organization';

/** An HTTP answer as the SDK's handlers return it. */
function answer(statusCode: number, headers: Record<string, string>, text: string): { response: HttpResponse } {
  return { response: { statusCode, headers, body: Readable.from([Buffer.from(text)]) } };
}

/** A request handler that gives the queued answers in order and records every request it was sent. */
function scriptedHandler(answers: ReadonlyArray<() => { response: HttpResponse }>) {
  const requests: HttpRequest[] = [];
  return {
    requests,
    handle: async (request: HttpRequest) => {
      requests.push(request);
      const next = answers[Math.min(requests.length - 1, answers.length - 1)];
      if (!next) throw new Error('no answer scripted');
      return next();
    },
  };
}

const STS_THROTTLE = () =>
  answer(
    400,
    { 'content-type': 'text/xml' },
    '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>' +
      '<RequestId>r-1</RequestId></ErrorResponse>',
  );

const ASSUME_ROLE_OK = () =>
  answer(
    200,
    { 'content-type': 'text/xml' },
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret</SecretAccessKey>
      <SessionToken>token</SessionToken>
      <Expiration>2030-01-01T00:15:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:ct-audit-run</AssumedRoleId>
      <Arn>arn:aws:sts::111111111111:assumed-role/aws-controltower-ReadOnlyExecutionRole/ct-audit-run</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>
</AssumeRoleResponse>`,
  );

const ORGANIZATIONS_THROTTLE = () =>
  answer(
    400,
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'TooManyRequestsException' },
    JSON.stringify({ __type: 'TooManyRequestsException', Message: 'Too many requests' }),
  );

function organizationsJson(body: unknown) {
  return () => answer(200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(body));
}

/** Organizations answers by operation: the JSON protocol names it in the X-Amz-Target header. */
function organizationsHandler(byOperation: Record<string, ReadonlyArray<() => { response: HttpResponse }>>) {
  const calls: string[] = [];
  return {
    calls,
    handle: async (request: HttpRequest) => {
      const operation = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const sent = calls.filter((name) => name === operation).length;
      calls.push(operation);
      const queue = byOperation[operation] ?? [];
      const next = queue[Math.min(sent, queue.length - 1)];
      if (!next) throw new Error(`no answer scripted for ${operation}`);
      return next();
    },
  };
}

const ROLE_ARN = 'arn:aws:iam::111111111111:role/aws-controltower-ReadOnlyExecutionRole';

describe('SDK retries of throttling through the client factories', () => {
  test('every client makes up to MAX_ATTEMPTS attempts', async () => {
    await expect(stsClient().config.maxAttempts()).resolves.toBe(MAX_ATTEMPTS);
  });

  test('an STS Throttling error is retried until AssumeRole succeeds', async () => {
    const handler = scriptedHandler([STS_THROTTLE, STS_THROTTLE, ASSUME_ROLE_OK]);
    const cache = new SessionCache(stsClient(undefined, { requestHandler: handler }));

    const credentials = await cache.credentials(ROLE_ARN, 'ct-audit-run');

    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', sessionToken: 'token' });
    expect(handler.requests).toHaveLength(3);
  });

  test('an Organizations TooManyRequestsException is retried until the listing succeeds', async () => {
    const handler = organizationsHandler({
      DescribeOrganization: [
        organizationsJson({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '999999999999' } }),
      ],
      ListAccounts: [
        ORGANIZATIONS_THROTTLE,
        ORGANIZATIONS_THROTTLE,
        organizationsJson({ Accounts: [{ Id: '111111111111', Name: 'one', State: 'ACTIVE' }] }),
      ],
    });
    const client = organizationsClient(undefined, { requestHandler: handler });

    const listing = await listOrganization(client);

    expect(listing.accounts.map((account) => account.id)).toEqual(['111111111111']);
    expect(handler.calls.filter((name) => name === 'ListAccounts')).toHaveLength(3);
  });
});

describe('organizationsClient region', () => {
  const saved = process.env.AWS_REGION;
  afterEach(() => {
    process.env.AWS_REGION = saved;
  });

  test.each([
    ['eu-west-1', 'us-east-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
    ['cn-north-1', 'cn-northwest-1'],
  ])('from %s it calls Organizations in %s, where the partition answers it', async (region, expected) => {
    process.env.AWS_REGION = region;

    const client = organizationsClient();

    await expect(client.config.region()).resolves.toBe(expected);
  });
});

describe('timeouts: a silent endpoint fails the call instead of hanging', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint: string;
  const savedEndpoint = process.env.AWS_ENDPOINT_URL;

  beforeAll(async () => {
    // Accepts every connection and never answers, like a firewall that lets the handshake through.
    server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    configureClientTimeouts(undefined);
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = savedEndpoint;
  });

  test('a call to a socket that never answers rejects with TimeoutError naming the endpoint', async () => {
    configureClientTimeouts({ connectionTimeoutMs: 200, requestTimeoutMs: 200 });
    process.env.AWS_ENDPOINT_URL = endpoint;
    const client = stsClient({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, { maxAttempts: 2 });

    const call = client.send(new GetCallerIdentityCommand({}));

    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(call).rejects.toThrow(`(endpoint ${endpoint})`);
  });

  test('every client gets a connection and a request timeout by default', async () => {
    const handler = await (stsClient().config.requestHandler as unknown as { configProvider: Promise<unknown> })
      .configProvider;

    expect(handler).toMatchObject({
      connectionTimeout: DEFAULT_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: DEFAULT_TIMEOUTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
  });

  test("a function's timeouts come from the sdk block of its settings", () => {
    const env = { [SETTINGS_ENV]: JSON.stringify({ sdk: { connectionTimeoutMs: 1500, requestTimeoutMs: 9000 } }) };

    expect(clientTimeouts(env)).toEqual({ connectionTimeoutMs: 1500, requestTimeoutMs: 9000 });
  });

  test('a function that reads its settings from SSM takes its timeouts from the sdk block the stack gives it alone', () => {
    const env = { [SDK_TIMEOUTS_ENV]: JSON.stringify({ connectionTimeoutMs: 1500, requestTimeoutMs: 9000 }) };

    expect(clientTimeouts(env)).toEqual({ connectionTimeoutMs: 1500, requestTimeoutMs: 9000 });
  });

  test('without settings the defaults apply', () => {
    expect(clientTimeouts({})).toEqual(DEFAULT_TIMEOUTS);
  });
});
