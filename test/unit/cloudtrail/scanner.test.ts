import { getMaxListeners } from 'node:events';
import { RuleEngine } from '../../../functions/cloudtrail/engine';
import { forEachConcurrent, scanLogFiles } from '../../../functions/cloudtrail/scanner';
import { cloudTrailSettingsSchema } from '../../../functions/cloudtrail/settings';
import { ctRecord, logFile, rootIdentity } from './helpers';

const settings = cloudTrailSettingsSchema.parse({});

describe('scanLogFiles', () => {
  test('reads every file, at most `concurrency` at once', async () => {
    // Arrange
    const files = new Map(Array.from({ length: 12 }, (_, i) => [`k${i}`, logFile([ctRecord({ eventID: `e${i}` })])]));
    let open = 0;
    let most = 0;
    const engine = new RuleEngine({ settings });

    // Act
    const stats = await scanLogFiles({
      keys: files.keys(),
      engine,
      concurrency: 3,
      open: async (key) => {
        open++;
        most = Math.max(most, open);
        await new Promise((resolve) => setImmediate(resolve));
        const body = files.get(key) as Buffer;
        return (async function* () {
          yield body;
          open--;
        })();
      },
    });

    // Assert
    expect(stats).toMatchObject({ files: 12, unreadable: 0, records: 12 });
    expect(most).toBe(3);
  });

  test('an unreadable file is a finding and the scan goes on', async () => {
    // Arrange
    const engine = new RuleEngine({ settings });
    const files = new Map([
      ['a', logFile([ctRecord()])],
      ['broken', Buffer.from('garbage')],
      ['c', logFile([ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers' })])],
    ]);

    // Act
    const stats = await scanLogFiles({
      keys: files.keys(),
      engine,
      concurrency: 1,
      open: async (key) => [files.get(key) as Buffer],
    });

    // Assert
    expect(stats).toMatchObject({ files: 3, unreadable: 1, records: 2 });
    expect(engine.result().findings.map((f) => [f.rule, f.s3Key])).toEqual([
      ['root-activity', 'c'],
      ['LogFileUnreadable', 'broken'],
    ]);
  });

  test('a per-object AccessDenied is a finding for that file and the scan goes on', async () => {
    // Arrange
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    const engine = new RuleEngine({ settings });

    // Act
    const stats = await scanLogFiles({
      keys: ['a', 'b\u001b]8;;evil\u0007', 'c'],
      engine,
      concurrency: 1,
      open: async (key) => {
        if (key.startsWith('b')) throw denied;
        return [logFile([ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventID: key })])];
      },
    });

    // Assert
    expect(stats).toMatchObject({ files: 3, unreadable: 1, records: 2, stopped: false });
    const findings = engine.result().findings;
    expect(findings.map((f) => f.rule)).toEqual(['root-activity', 'root-activity', 'LogFileUnreadable']);
    expect(findings[2]).toMatchObject({
      s3Key: 'b',
      detail: 'AccessDenied: Access Denied; events in this file may be missed',
    });
  });

  test('throttling stops the scan and is thrown', async () => {
    const throttled = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
    const opened: string[] = [];

    const error = await scanLogFiles({
      keys: ['a', 'b', 'c', 'd'],
      engine: new RuleEngine({ settings }),
      concurrency: 1,
      open: async (key) => {
        opened.push(key);
        if (key === 'b') throw throttled;
        return [logFile([])];
      },
    }).catch((e: unknown) => e);

    expect(error).toBe(throttled);
    expect(opened).toEqual(['a', 'b']);
  });

  test('at the deadline no new file is taken, a file in flight stops, and the findings so far are kept', async () => {
    // Arrange: the deadline passes while the second file is being read (after its first 300 records).
    let past = false;
    let read = 0;
    const engine = new RuleEngine({ settings });
    const big = Array.from({ length: 1000 }, (_, i) => ctRecord({ eventID: `b${i}` }));
    const files = new Map([
      ['a', logFile([ctRecord({ userIdentity: rootIdentity, eventName: 'ListUsers', eventID: 'a' })])],
      ['b', logFile(big)],
      ['c', logFile([ctRecord()])],
    ]);
    const done: string[] = [];

    // Act
    const stats = await scanLogFiles({
      keys: files.keys(),
      engine,
      concurrency: 1,
      shouldStop: () => past,
      onFileDone: (key) => done.push(key),
      open: async (key) => {
        const body = files.get(key) as Buffer;
        return (async function* () {
          for (let offset = 0; offset < body.length; offset += 64) {
            if (key === 'b' && ++read > 4) past = true;
            yield body.subarray(offset, offset + 64);
          }
        })();
      },
    });

    // Assert
    expect(stats).toMatchObject({ files: 1, stopped: true });
    expect(done).toEqual(['a']);
    expect(engine.result().findings.map((f) => f.eventId)).toEqual(['a']);
  });
});

describe('forEachConcurrent', () => {
  test('a failing source is thrown too', async () => {
    const broken = Object.assign(new Error('list failed'), { name: 'SlowDown' });
    async function* keys() {
      yield 'a';
      throw broken;
    }
    const seen: string[] = [];

    const error = await forEachConcurrent(keys(), 2, async (key) => {
      seen.push(key);
    }).catch((e: unknown) => e);

    expect(error).toBe(broken);
    expect(seen).toEqual(['a']);
  });

  test('the signal is aborted for the work in flight when another item fails', async () => {
    const signals: AbortSignal[] = [];

    await forEachConcurrent([1, 2], 2, async (item, signal) => {
      signals.push(signal);
      if (item === 2) throw new Error('boom');
      await new Promise((resolve) => setImmediate(resolve));
    }).catch(() => undefined);

    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});

describe('forEachConcurrent: the shared abort signal', () => {
  test('takes a listener from every call in flight without a MaxListenersExceededWarning (Ctrl-C printed one per account)', async () => {
    const signals = new Set<AbortSignal>();

    await forEachConcurrent([1, 2, 3, 4, 5, 6, 7, 8], 8, async (_item, signal) => {
      signals.add(signal);
    });

    // Each call in flight adds listeners (the SDK's retry and its HTTP handler): 8 calls need more than Node's 10.
    const [signal] = [...signals];
    expect(signals.size).toBe(1);
    expect(getMaxListeners(signal as AbortSignal)).toBeGreaterThanOrEqual(8 * 3);
  });
});
