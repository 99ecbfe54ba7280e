import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Gateway, serviceOf, startGateway } from '../../../cli/sandbox/gateway';
import { seededRandom } from '../../../cli/sandbox/random';

/** What the upstream (the stand-in for the emulator) received. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

interface Upstream {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP call on a fresh connection. */
function send(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An Authorization header as SigV4 signs it for a service. */
function signedFor(service: string): Record<string, string> {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=testing/20300102/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=abc`,
  };
}

async function sendMany(base: string, count: number, headers = signedFor('sts')): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await send(base, { path: `/call/${i}`, headers })).status);
  return statuses;
}

describe('serviceOf', () => {
  test('reads the service from the SigV4 credential scope', () => {
    expect(serviceOf(signedFor('organizations'))).toBe('organizations');
  });

  test('an unsigned request is unknown', () => {
    expect(serviceOf({})).toBe('unknown');
  });

  test('an authorization of another scheme is unknown', () => {
    expect(serviceOf({ authorization: 'Bearer token' })).toBe('unknown');
  });
});

describe('seededRandom', () => {
  test('the same seed gives the same sequence', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);

    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  test('different seeds give different sequences', () => {
    const a = seededRandom(1);
    const b = seededRandom(2);

    expect(Array.from({ length: 5 }, a)).not.toEqual(Array.from({ length: 5 }, b));
  });

  test('values are in [0, 1)', () => {
    const next = seededRandom(7);

    const values = Array.from({ length: 1000 }, next);

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  test('values spread over the range', () => {
    const next = seededRandom(7);

    const below = Array.from({ length: 1000 }, next).filter((value) => value < 0.5).length;

    expect(below).toBeGreaterThan(400);
    expect(below).toBeLessThan(600);
  });
});

describe('startGateway', () => {
  let upstream: Upstream;
  let gateway: Gateway | undefined;

  beforeEach(async () => {
    upstream = await startUpstream();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await upstream.close();
  });

  test('listens on loopback', async () => {
    gateway = await startGateway(upstream.url);

    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('forwards the method, the path and the body', async () => {
    gateway = await startGateway(upstream.url);

    await send(gateway.url, { method: 'POST', path: '/some/path?x=1', body: 'Action=GetCallerIdentity' });

    expect(upstream.received).toEqual([
      expect.objectContaining({ method: 'POST', url: '/some/path?x=1', body: 'Action=GetCallerIdentity' }),
    ]);
  });

  test('forwards the headers the client signed, host included', async () => {
    gateway = await startGateway(upstream.url);

    await send(gateway.url, { headers: { ...signedFor('sts'), 'x-amz-date': '20300102T060000Z' } });

    expect(upstream.received[0]?.headers).toMatchObject({
      authorization: signedFor('sts').authorization,
      'x-amz-date': '20300102T060000Z',
      host: new URL(gateway.url).host,
    });
  });

  test('returns the upstream answer', async () => {
    gateway = await startGateway(upstream.url);

    const answer = await send(gateway.url);

    expect(answer).toMatchObject({ status: 200, body: '{"ok":true}', headers: { 'x-upstream': 'yes' } });
  });

  test('forwards the URL exactly as sent, escapes included', async () => {
    gateway = await startGateway(upstream.url);

    await send(gateway.url, { path: '/bucket/a%2Fb?prefix=o-1%2FAWSLogs%2F' });

    expect(upstream.received[0]?.url).toBe('/bucket/a%2Fb?prefix=o-1%2FAWSLogs%2F');
  });

  test('counts forwarded calls by service', async () => {
    gateway = await startGateway(upstream.url);

    await send(gateway.url, { headers: signedFor('sts') });
    await send(gateway.url, { headers: signedFor('sts') });
    await send(gateway.url, { headers: signedFor('s3') });

    expect(gateway.stats).toMatchObject({ forwarded: 3, byService: { sts: 2, s3: 1 } });
  });

  test('without faults nothing is throttled', async () => {
    gateway = await startGateway(upstream.url);

    const statuses = await sendMany(gateway.url, 20);

    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(gateway.stats.throttled).toBe(0);
  });

  test('throttles the calls the seeded sequence picks at the configured rate', async () => {
    const rate = 0.3;
    const seed = 11;
    const expected = Array.from({ length: 40 }, seededRandom(seed)).filter((value) => value < rate).length;
    // The seed picks some calls and not others: a sequence stuck at one value would make both sides 0 (or 40).
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(40);
    gateway = await startGateway(upstream.url, { throttleRate: rate, seed });

    await sendMany(gateway.url, 40);

    expect(gateway.stats.throttled).toBe(expected);
    expect(gateway.stats.forwarded).toBe(40 - expected);
    expect(upstream.received).toHaveLength(40 - expected);
  });

  test('the same seed throttles the same calls', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 0.5, seed: 3 });
    const first = await sendMany(gateway.url, 20);
    gateway.setFaults({ throttleRate: 0.5, seed: 3 });

    const second = await sendMany(gateway.url, 20);

    expect(second).toEqual(first);
    expect(first).toContain(400);
  });

  test('an STS throttle is the query protocol Throttling error', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, { method: 'POST', headers: signedFor('sts'), body: 'Action=AssumeRole' });

    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>Throttling</Code>');
  });

  test('an Organizations throttle is TooManyRequestsException in the JSON protocol', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, { method: 'POST', headers: signedFor('organizations'), body: '{}' });

    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'TooManyRequestsException' });
  });

  test('a throttle of an awsJson service (KMS, Config) is a JSON ThrottlingException its client can read', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, {
      method: 'POST',
      headers: { ...signedFor('kms'), 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'ThrottlingException' });
  });

  test('a throttle of a restJson service (GuardDuty, Security Hub) is JSON too, never XML', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, { headers: signedFor('guardduty') });

    expect(answer.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'ThrottlingException' });
  });

  test('an S3 throttle is a 503 SlowDown', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, { headers: signedFor('s3') });

    expect(answer.status).toBe(503);
    expect(answer.body).toContain('<Code>SlowDown</Code>');
  });

  test('never faults the emulator API under /moto-api/', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });

    const answer = await send(gateway.url, { method: 'POST', path: '/moto-api/reset', body: '' });

    expect(answer.status).toBe(200);
    expect(upstream.received.map((call) => call.url)).toEqual(['/moto-api/reset']);
    expect(gateway.stats.throttled).toBe(0);
  });

  test('answers HTTP 500 at the server error rate', async () => {
    gateway = await startGateway(upstream.url, { serverErrorRate: 1 });

    const statuses = await sendMany(gateway.url, 5);

    expect(statuses).toEqual([500, 500, 500, 500, 500]);
    expect(gateway.stats.serverErrors).toBe(5);
    expect(upstream.received).toEqual([]);
  });

  test('server errors take the share after throttles in the same sequence', async () => {
    const seed = 5;
    const values = Array.from({ length: 40 }, seededRandom(seed));
    const throttles = values.filter((value) => value < 0.2).length;
    const serverErrors = values.filter((value) => value >= 0.2 && value < 0.5).length;
    gateway = await startGateway(upstream.url, { throttleRate: 0.2, serverErrorRate: 0.3, seed });

    await sendMany(gateway.url, 40);

    expect(gateway.stats).toMatchObject({ throttled: throttles, serverErrors });
  });

  test('setFaults switches faults off', async () => {
    gateway = await startGateway(upstream.url, { throttleRate: 1 });
    gateway.setFaults({});

    const answer = await send(gateway.url);

    expect(answer.status).toBe(200);
  });

  test('an unreachable upstream is a 502 saying so', async () => {
    const down = await startUpstream();
    const downUrl = down.url;
    await down.close();
    gateway = await startGateway(downUrl);

    const answer = await send(gateway.url);

    expect(answer.status).toBe(502);
    expect(answer.body).toContain('emulator unreachable');
  });

  test('close() stops it', async () => {
    const closing = await startGateway(upstream.url);

    await closing.close();

    await expect(send(closing.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
