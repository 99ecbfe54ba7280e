import { assertSafeEndpoint, InsecureEndpointError, isLoopbackHost } from '../../../cli/endpoint';

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
