import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './random';

/** Faults the gateway injects, as fractions of the AWS calls it forwards. */
export interface FaultOptions {
  /** Share of calls answered with the service's throttling error (0..1). */
  readonly throttleRate?: number;
  /** Share of calls answered with an HTTP 500 (0..1). */
  readonly serverErrorRate?: number;
  /** Seed of the fault sequence, so that a run can be repeated. */
  readonly seed?: number;
  /**
   * Milliseconds added to every AWS call before it is forwarded: the network and service time of a real API call,
   * which the emulator on loopback does not have. The benchmark uses it to measure what concurrency buys.
   */
  readonly latencyMs?: number;
}

/** What the gateway did, for the benchmark and the fault tests. */
export interface GatewayStats {
  forwarded: number;
  throttled: number;
  serverErrors: number;
  byService: Record<string, number>;
}

/** A loopback gateway in front of the emulator. */
export interface Gateway {
  readonly url: string;
  readonly stats: GatewayStats;
  setFaults(faults: FaultOptions): void;
  close(): Promise<void>;
}

/** The service a SigV4-signed request is for, from its credential scope (`.../us-east-1/sts/aws4_request`). */
export function serviceOf(headers: IncomingMessage['headers']): string {
  const authorization = headers.authorization ?? '';
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1] ?? 'unknown';
}

/** Services whose clients speak restJson: an XML error body is not one they can read. */
const REST_JSON: ReadonlySet<string> = new Set(['guardduty', 'securityhub']);

/** The error each protocol's clients recognise as throttling, so that the SDK's retry treats it as such. */
function throttleResponse(
  service: string,
  contentType: string | undefined,
): { status: number; headers: Record<string, string>; body: string } {
  // JSON protocols: awsJson (KMS, Config: `application/x-amz-json-1.1`) and restJson (GuardDuty, Security Hub).
  if (service !== 'organizations' && (contentType?.startsWith('application/x-amz-json') || REST_JSON.has(service))) {
    return {
      status: 400,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' },
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
    };
  }
  switch (service) {
    case 's3':
      return {
        status: 503,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      };
    case 'organizations':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'TooManyRequestsException' },
        body: JSON.stringify({
          __type: 'TooManyRequestsException',
          Message: 'AWS Organizations can\u2019t complete your request because another request is already in progress.',
        }),
      };
    default:
      return {
        status: 400,
        headers: { 'content-type': 'text/xml' },
        body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>gateway</RequestId></ErrorResponse>',
      };
  }
}

/**
 * Starts a gateway on a free loopback port that forwards every request to `target` (the emulator) unchanged and,
 * when asked, answers a share of calls with throttling errors and HTTP 500s, as AWS does under load.
 * Calls to the emulator's own API (`/moto-api/...`) are never faulted.
 */
export async function startGateway(target: string, faults: FaultOptions = {}): Promise<Gateway> {
  const upstream = new URL(target);
  let current = faults;
  let random = seededRandom(faults.seed ?? 1);
  const stats: GatewayStats = { forwarded: 0, throttled: 0, serverErrors: 0, byService: {} };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const service = serviceOf(req.headers);
    const url = req.url ?? '/';
    const fault = url.startsWith('/moto-api') ? 1 : random();
    const throttleRate = current.throttleRate ?? 0;
    const serverErrorRate = current.serverErrorRate ?? 0;
    if (fault < throttleRate) {
      stats.throttled++;
      const answer = throttleResponse(service, req.headers['content-type']);
      req.resume();
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    if (fault < throttleRate + serverErrorRate) {
      stats.serverErrors++;
      req.resume();
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('Internal Server Error (injected by the sandbox gateway)');
      return;
    }
    stats.forwarded++;
    stats.byService[service] = (stats.byService[service] ?? 0) + 1;
    const latency = url.startsWith('/moto-api') ? 0 : (current.latencyMs ?? 0);
    if (latency > 0) {
      req.pause();
      setTimeout(() => forward(req, res, url), latency);
      return;
    }
    forward(req, res, url);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, url: string) => {
    const upstreamRequest = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url,
        headers: { ...req.headers, host: req.headers.host ?? upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstreamRequest.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`sandbox gateway: emulator unreachable: ${error.message}`);
    });
    req.pipe(upstreamRequest);
    req.resume();
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setFaults(next) {
      current = next;
      random = seededRandom(next.seed ?? 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
