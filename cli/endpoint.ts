import { isIP } from 'node:net';
import { UsageError } from './context';

/**
 * `--endpoint` names a plain-http host that is not this machine. Every call the CLI makes is signed with the
 * shell's credentials, session token included, and would travel in clear text to that host.
 */
export class InsecureEndpointError extends Error {
  constructor(readonly endpoint: string) {
    super(
      `--endpoint ${endpoint} is plain http to a host that is not this machine: every request is signed with the ` +
        "shell's AWS credentials and session token and would cross the network unencrypted; use https://, or an " +
        'emulator on 127.0.0.1, ::1 or localhost',
    );
    this.name = 'InsecureEndpoint';
  }
}

/** Whether a URL's host is this machine: `localhost` (and its subdomains), 127.0.0.0/8 or `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
  return false;
}

/**
 * Refuses an endpoint the CLI must not send signed requests to: anything but https, except plain http to a loopback
 * host (a local emulator). Throws {@link InsecureEndpointError}; a value that is not a URL at all is the caller's to
 * report.
 */
export function assertSafeEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new InsecureEndpointError(endpoint);
}

/**
 * What every command that takes `--endpoint` does with it, before any AWS client is made: refuses a value that is
 * not a URL (UsageError) and an endpoint the shell's credentials must not be sent to ({@link InsecureEndpointError}),
 * then points every SDK client at it (`AWS_ENDPOINT_URL`). Without `--endpoint`, nothing changes.
 */
export function useEndpoint(endpoint: string | undefined): void {
  if (endpoint === undefined) return;
  try {
    new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint must be a URL like http://127.0.0.1:5000 (got "${endpoint}")`);
  }
  assertSafeEndpoint(endpoint);
  process.env.AWS_ENDPOINT_URL = endpoint;
}
