import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { KeptGunzip, TESTED_NODE_MAJORS } from '../../../functions/cloudtrail/kept-gunzip';
// What the reader asks for: one byte more than the trailer announces (ISIZE, the last member's length), at least 16 KiB.
import { wholeOutputBytes } from '../../../functions/cloudtrail/log-reader';

const BOUND = 1024 * 1024 + 1;

/** JSON-like text of about `bytes`, part of it incompressible so that the gzip body is long too. */
function textOf(bytes: number, seed: string): string {
  let text = `{"Records":[{"seed":"${seed}","pad":"`;
  while (text.length < bytes) text += `${randomBytes(24).toString('hex')}${'abc'.repeat(20)}`;
  return `${text.slice(0, bytes)}"}]}`;
}

describe('KeptGunzip', () => {
  test('gives the same bytes as gunzipSync, file after file, longer and shorter, in one kept buffer', () => {
    // Arrange: sizes that grow, shrink and grow again, so that a short text follows a long one in the same buffer.
    const kept = new KeptGunzip(BOUND);
    const bodies = [300_000, 1_000, 0, 650_000, 20_000, 900_000, 17].map((size, n) =>
      gzipSync(textOf(size, `file${n}`), { level: n % 10 }),
    );
    const buffers = new Set<ArrayBufferLike>();

    for (const body of bodies) {
      // Act
      const text = kept.inflate(body, wholeOutputBytes(body));

      // Assert
      expect(text?.equals(gunzipSync(body))).toBe(true);
      if (text) buffers.add(text.buffer);
    }
    // A new buffer only when a text did not fit: 300 kB, 650 kB (more than double), 900 kB (double, cut to the bound).
    expect(buffers.size).toBe(3);
  });

  test('reads a file of several gzip members, and trailing zeros, as gunzipSync does', () => {
    // Arrange
    const kept = new KeptGunzip(BOUND);
    const members = Buffer.concat([gzipSync('{"Records":['), gzipSync('{"a":1}'), gzipSync(']}'), Buffer.alloc(8)]);

    // Act: sized from the trailer (the last member's 2 bytes, so the 16 KiB floor), as the reader sizes it.
    const text = kept.inflate(members, wholeOutputBytes(members));

    // Assert
    expect(text?.toString()).toBe('{"Records":[{"a":1}]}');
    expect(text?.equals(gunzipSync(members))).toBe(true);
  });

  test.each([
    [
      'a corrupt body',
      (body: Buffer) => Buffer.concat([body.subarray(0, 40), Buffer.alloc(60, 0xff), body.subarray(100)]),
    ],
    ['a truncated body', (body: Buffer) => body.subarray(0, body.length - 30)],
    ['a wrong CRC-32', (body: Buffer) => Buffer.concat([body.subarray(0, -8), Buffer.alloc(4), body.subarray(-4)])],
    ['garbage after the member', (body: Buffer) => Buffer.concat([body, Buffer.from('garbage')])],
  ])('%s gives nothing (gunzipSync makes its error), and the next file is read as usual', (_name, spoil) => {
    // Arrange
    const kept = new KeptGunzip(BOUND);
    const good = gzipSync(textOf(50_000, 'good'));
    const bad = spoil(good);
    expect(() => gunzipSync(bad)).toThrow();

    // Act
    const failed = kept.inflate(bad, wholeOutputBytes(good));
    const next = kept.inflate(good, wholeOutputBytes(good));

    // Assert
    expect(failed).toBeUndefined();
    expect(next?.equals(gunzipSync(good))).toBe(true);
  });

  test.each([
    ['one byte short of the text', -1],
    ['exactly the text, which may go on past it', 0],
  ])('a buffer %s gives nothing, never part of the text', (_name, extra) => {
    // Arrange
    const text = textOf(40_000, 'long');
    const body = gzipSync(text);

    // Act
    const result = new KeptGunzip(text.length + extra).inflate(body, text.length + extra);

    // Assert
    expect(result).toBeUndefined();
  });

  test('the largest buffer it keeps is its bound: a text that needs more gives nothing', () => {
    // Arrange
    const kept = new KeptGunzip(64 * 1024);
    const body = gzipSync(textOf(100_000, 'big'));

    // Act
    const result = kept.inflate(body, wholeOutputBytes(body));

    // Assert
    expect(result).toBeUndefined();
    expect(kept.inflate(gzipSync('{"Records":[]}'), 16 * 1024)?.toString()).toBe('{"Records":[]}');
  });

  test('after disown, the next file goes to a new buffer and the text the reader kept stays as it was', () => {
    // Arrange
    const kept = new KeptGunzip(BOUND);
    const first = kept.inflate(gzipSync(textOf(30_000, 'first')), 64 * 1024);
    const copy = Buffer.from(first ?? Buffer.alloc(0));

    // Act
    kept.disown();
    const second = kept.inflate(gzipSync(textOf(30_000, 'second')), 64 * 1024);

    // Assert
    expect(second?.buffer).not.toBe(first?.buffer);
    expect(first?.equals(copy)).toBe(true);
    expect(second?.toString()).toContain('"seed":"second"');
  });

  test('without disown, the next file is written over the same memory (what disown is for)', () => {
    // Arrange
    const kept = new KeptGunzip(BOUND);
    const first = kept.inflate(gzipSync(textOf(30_000, 'first')), 64 * 1024);

    // Act
    const second = kept.inflate(gzipSync(textOf(30_000, 'second')), 64 * 1024);

    // Assert
    expect(second?.buffer).toBe(first?.buffer);
    expect(first?.toString()).toContain('"seed":"second"');
  });
});

describe('KeptGunzip on a Node.js whose zlib handle is not as expected', () => {
  const body = gzipSync(textOf(20_000, 'any'));
  type Internals = { _handle?: Record<string, unknown> };

  test.each([
    ['has no handle', (gunzip: Internals) => delete gunzip._handle],
    ['has no writeSync', (gunzip: Internals) => Object.assign(gunzip._handle as object, { writeSync: undefined })],
    [
      'writes something else than the text',
      (gunzip: Internals) => {
        const handle = gunzip._handle as { writeSync: (...args: unknown[]) => void };
        const native = handle.writeSync.bind(handle);
        handle.writeSync = (...args: unknown[]) => {
          native(...args);
          (args[4] as Buffer).fill(0x20, 0, 4);
        };
      },
    ],
    [
      'throws',
      (gunzip: Internals) => {
        (gunzip._handle as Record<string, unknown>).writeSync = () => {
          throw new TypeError('changed');
        };
      },
    ],
  ])('one that %s is not used: every file gives nothing, so the reader uses gunzipSync', (_name, spoil) => {
    // Arrange
    const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const kept = new KeptGunzip(BOUND, {
      makeGunzip: () => {
        const gunzip = zlib.createGunzip();
        spoil(gunzip as unknown as Internals);
        return gunzip;
      },
    });

    // Act
    const results = [kept.inflate(body, wholeOutputBytes(body)), kept.inflate(body, wholeOutputBytes(body))];

    // Assert
    expect(results).toEqual([undefined, undefined]);
  });
});

describe('KeptGunzip: what it does not trust', () => {
  const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
  const good = gzipSync(textOf(20_000, 'good'));
  const truncated = good.subarray(0, good.length - 100);
  const badCrc = Buffer.concat([good.subarray(0, -8), Buffer.alloc(4), good.subarray(-4)]);

  test.each([
    ['26.0.0', false],
    ['18.20.4', false],
    ['24.11.1', true],
    ['20.20.2', true],
  ])('a Node.js %s handle is used only on the majors its tests ran on (%s)', (nodeVersion, used) => {
    // Act
    const text = new KeptGunzip(BOUND, { nodeVersion }).inflate(good, wholeOutputBytes(good));

    // Assert
    expect(text !== undefined).toBe(used);
    expect(TESTED_NODE_MAJORS).toEqual([20, 22, 24]);
  });

  test("a failed call that leaves the handle's last result in place gives nothing, not the last file's tail", () => {
    // Arrange: errors that never reach the handler, as a changed Node.js might do; zlib then leaves the previous
    // call's "bytes left" where the result is read (it does on 20 and 24 for any failed call).
    const kept = new KeptGunzip(BOUND, {
      makeGunzip: () => {
        const gunzip = zlib.createGunzip();
        const handle = (gunzip as unknown as { _handle: Record<string, unknown> })._handle;
        const native = (handle.writeSync as (...args: unknown[]) => void).bind(handle);
        handle.writeSync = (...args: unknown[]) => {
          const handler = handle.onerror;
          handle.onerror = () => undefined;
          try {
            native(...args);
          } finally {
            handle.onerror = handler;
          }
        };
        return gunzip;
      },
    });

    // Act
    const results = [good, truncated, good, badCrc, good].map((body) => kept.inflate(body, wholeOutputBytes(good)));

    // Assert
    expect(results.map((text) => text?.equals(gunzipSync(good)))).toEqual([true, undefined, true, undefined, true]);
  });
});
