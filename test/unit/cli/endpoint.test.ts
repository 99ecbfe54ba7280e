import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { assertSafeEndpoint, InsecureEndpointError, isLoopbackHost, useEndpoint } from '../../../cli/endpoint';
import { EXIT, main } from '../../../cli/main';

describe('assertSafeEndpoint', () => {
  test.each([
    'https://sts.eu-west-1.amazonaws.com',
    'https://emulator.example.com:4566',
    'http://127.0.0.1:5000',
    'http://127.8.9.10:5000',
    'http://localhost:4566',
    'http://api.localhost:4566',
    'http://[::1]:5000',
  ])('accepts %s', (endpoint) => {
    expect(() => assertSafeEndpoint(endpoint)).not.toThrow();
  });

  test.each([
    'http://emulator.example.com:4566',
    'http://10.0.0.5:5000',
    'http://0.0.0.0:5000',
    'http://128.0.0.1:5000',
    'http://localhost.example.com:4566',
    'http://[2001:db8::1]:5000',
    'ftp://127.0.0.1/',
  ])('refuses %s with InsecureEndpoint saying why and what to use', (endpoint) => {
    let error: unknown;
    try {
      assertSafeEndpoint(endpoint);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InsecureEndpointError);
    expect((error as Error).name).toBe('InsecureEndpoint');
    expect((error as Error).message).toContain(endpoint);
    expect((error as Error).message).toContain('use https://');
  });

  test('a value that is not a URL is left to the caller', () => {
    expect(() => assertSafeEndpoint('not a url')).not.toThrow();
  });
});

describe('isLoopbackHost', () => {
  test.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['127.0.0.1', true],
    ['[::1]', true],
    ['[::ffff:127.0.0.1]', true],
    ['example.com', false],
    ['127.0.0.1.nip.io', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('--endpoint, in every command that takes it', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ct-audit-endpoint-'));
  const settings = join(folder, 'settings.json');
  writeFileSync(settings, '{}');
  // An empty report folder and no settings: nothing to act on, so a command that got past the check ends at once.
  const where = ['--report-dir', folder, '--settings', settings];
  const COMMANDS: readonly [string, readonly string[]][] = [
    ['run', ['run', '--accounts', '111111111111', '--no-progress', ...where]],
    ['remediate', ['remediate', '--run', 'audit-run-1', '--plan', ...where]],
    ['undo', ['undo', '--run', 'remediation-run-1', ...where]],
  ];

  async function ctAudit(argv: readonly string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const sink = { write: (text: string) => (stderr += text) };
    const code = await main(argv, { stdout: { write: () => true }, stderr: Object.assign(new PassThrough(), sink) });
    return { code, stderr };
  }

  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL;
  });

  test.each(COMMANDS)(
    '%s refuses plain http to another host, by name, exit 2, before any client is pointed at it',
    async (_, argv) => {
      const { code, stderr } = await ctAudit([...argv, '--endpoint', 'http://10.0.0.5:5000']);

      expect(stderr).toMatch(
        /^ct-audit: InsecureEndpoint: --endpoint http:\/\/10\.0\.0\.5:5000 is plain http .* use https:\/\//,
      );
      expect(code).toBe(EXIT.invalid);
      expect(process.env.AWS_ENDPOINT_URL).toBeUndefined();
    },
  );

  test.each(COMMANDS)('%s refuses a value that is not a URL, saying what one looks like', async (_, argv) => {
    const { code, stderr } = await ctAudit([...argv, '--endpoint', '127.0.0.1:5000']);

    expect(stderr).toBe('ct-audit: --endpoint must be a URL like http://127.0.0.1:5000 (got "127.0.0.1:5000")\n');
    expect(code).toBe(EXIT.invalid);
    expect(process.env.AWS_ENDPOINT_URL).toBeUndefined();
  });

  test('an emulator on this machine is where every client is sent', () => {
    useEndpoint('http://127.0.0.1:5000');

    expect(process.env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:5000');
  });

  test('without --endpoint nothing changes', () => {
    useEndpoint(undefined);

    expect(process.env.AWS_ENDPOINT_URL).toBeUndefined();
  });
});
