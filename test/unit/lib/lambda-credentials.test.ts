import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultProvider, NO_LAMBDA_CREDENTIALS } from '../../../functions/lib/lambda-credentials';

// The function bundles' credential chain (infra/bundling.ts puts it in place of the SDK's default chain), against
// the real environment variables and a real container credential endpoint on the loopback interface.

const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_PROFILE',
] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));

function setEnv(values: Partial<Record<(typeof NAMES)[number], string>>): void {
  for (const name of NAMES) {
    const value = values[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
afterEach(() => setEnv(saved as Record<string, string>));

/**
 * A container credential endpoint: answers each GET with the next key (or `failFrom` on, with HTTP 500), and counts
 * the requests and their tokens. `hold()` makes it keep the next answer until `release()`.
 */
async function endpoint(expiresInMs: number, failFrom = Number.POSITIVE_INFINITY) {
  const seen: (string | undefined)[] = [];
  let holding: { arrived: () => void; answer: Promise<void> } | undefined;
  let release = () => {};
  const server: Server = createServer(async (request, response) => {
    seen.push(request.headers.authorization);
    const number = seen.length;
    if (holding) {
      const { arrived, answer } = holding;
      holding = undefined;
      arrived();
      await answer;
    }
    if (number >= failFrom) {
      response.statusCode = 500;
      response.end('{"message":"the endpoint failed"}');
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        AccessKeyId: `ASIACONTAINER${number}`,
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: new Date(Date.now() + expiresInMs).toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/credentials`,
    seen,
    /** Holds the next answer; resolves when that request has arrived. */
    hold: () =>
      new Promise<void>((arrived) => {
        holding = { arrived, answer: new Promise<void>((answer) => (release = answer)) };
      }),
    release: () => release(),
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

describe('defaultProvider (the function bundles)', () => {
  test("takes the execution role's credentials from the environment, as Lambda sets them", async () => {
    // Arrange
    setEnv({ AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' });

    // Act
    const credentials = await defaultProvider()();

    // Assert
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAENV',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-token',
    });
  });

  test('takes them from the container endpoint when the environment has none, with its token', async () => {
    // Arrange
    const server = await endpoint(60 * 60_000);
    try {
      setEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'endpoint-token' });
      const provider = defaultProvider();

      // Act
      const first = await provider();
      const again = await provider();

      // Assert: fetched once, kept while far from expiring.
      expect(first).toMatchObject({ accessKeyId: 'ASIACONTAINER1', sessionToken: 'container-token' });
      expect(again.accessKeyId).toBe('ASIACONTAINER1');
      expect(server.seen).toEqual(['endpoint-token']);
    } finally {
      await server.close();
    }
  });

  test('in their last 5 minutes, hands out the ones it holds while one renewal runs, as the SDK does', async () => {
    // Arrange: credentials that expire in 4 minutes, and an endpoint that keeps its second answer until told.
    const server = await endpoint(4 * 60_000);
    try {
      setEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url });
      const provider = defaultProvider();
      const first = await provider();
      const renewalArrived = server.hold();

      // Act
      const second = await provider();
      await renewalArrived;
      const third = await provider();
      server.release();
      const forced = await provider({ forceRefresh: true });

      // Assert: no call waited on the renewal, one renewal was made, and a forced call joined it.
      expect([first.accessKeyId, second.accessKeyId, third.accessKeyId]).toEqual(Array(3).fill('ASIACONTAINER1'));
      expect(forced.accessKeyId).toBe('ASIACONTAINER2');
      expect(server.seen).toHaveLength(2);
    } finally {
      server.release();
      await server.close();
    }
  });

  test('a renewal that fails leaves the credentials it holds in use until they expire', async () => {
    // Arrange: the endpoint fails from its second request on.
    const server = await endpoint(4 * 60_000, 2);
    try {
      setEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url });
      const provider = defaultProvider();
      await provider();

      // Act
      const during = await provider();
      // A forced call joins the renewal and gets its error (after the SDK's own retries of the endpoint).
      const renewal = await provider({ forceRefresh: true }).catch((error: unknown) => error as Error);
      const after = await provider();
      // That call began the next renewal; it is waited for, so that nothing runs on after the test.
      const next = await provider({ forceRefresh: true }).catch((error: unknown) => error as Error);

      // Assert
      expect(during.accessKeyId).toBe('ASIACONTAINER1');
      expect(renewal).toBeInstanceOf(Error);
      expect(after.accessKeyId).toBe('ASIACONTAINER1');
      expect(next).toBeInstanceOf(Error);
    } finally {
      await server.close();
    }
  }, 30_000);

  test('says what it looked for when there is neither', async () => {
    // Arrange: a profile is what the default chain would have used; this chain does not read profiles.
    setEnv({ AWS_PROFILE: 'audit' });

    // Act, Assert
    await expect(defaultProvider()()).rejects.toThrow(NO_LAMBDA_CREDENTIALS);
    expect(NO_LAMBDA_CREDENTIALS).toMatch(/AWS_ACCESS_KEY_ID.*AWS_CONTAINER_CREDENTIALS_FULL_URI/);
  });

  test("passes on the endpoint's own error rather than saying there is none", async () => {
    // Arrange: plain http to a host that is not loopback, which the SDK refuses before any request.
    setEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://credentials.example.com/' });

    // Act
    const error = await defaultProvider()().then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).not.toBe(NO_LAMBDA_CREDENTIALS);
    expect(error?.message).toMatch(/credentials\.example\.com|loopback|not allowed|URL/i);
  });
});
