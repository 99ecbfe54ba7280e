import {
  cursorsForRun,
  MAX_CATCH_UP_MS,
  nextCursor,
  type RegionCursor,
  SEAM_OVERLAP_MS,
  scanStart,
  validCursor,
} from '../../../functions/cloudtrail/cursor';
import { logFileKey } from '../../../functions/cloudtrail/key-layout';

const CT = { layout: 'organization', keyPrefix: 'o-abcdefghij', organizationId: 'o-abcdefghij' } as const;
const ACCOUNT = '111122223333';
const at = (time: string) => new Date(time);
const file = (time: string, suffix = 'aaaaaaaaaaaaaaaa') => ({
  key: logFileKey(CT, ACCOUNT, 'eu-west-1', at(time), suffix),
  deliveredAt: at(time),
});

describe('scanStart', () => {
  const now = at('2026-11-14T12:00:30Z');

  test('the first run looks back lookbackHours', () => {
    expect(scanStart(undefined, now, 24).toISOString()).toBe('2026-11-13T12:00:30.000Z');
  });

  test('a later run starts the overlap before the cursor, on a whole minute', () => {
    const cursor: RegionCursor = { scannedTo: '2026-11-14T06:00:30.000Z', read: [], reported: [] };

    expect(scanStart(cursor, now, 24).toISOString()).toBe(
      new Date(Date.parse('2026-11-14T06:00:00Z') - SEAM_OVERLAP_MS).toISOString(),
    );
  });

  test('a cursor older than the catch-up bound starts at the bound', () => {
    const cursor: RegionCursor = { scannedTo: '2026-01-01T00:00:00.000Z', read: [], reported: [] };

    expect(scanStart(cursor, now, 24).getTime()).toBe(now.getTime() - MAX_CATCH_UP_MS);
  });
});

describe('nextCursor', () => {
  const from = at('2026-11-14T11:00:00Z');
  const to = at('2026-11-14T12:00:30Z');

  test('everything listed and read: the end of the span, with the files read at the seam', () => {
    const files = [file('2026-11-14T11:05:00Z'), file('2026-11-14T11:50:00Z')];
    const done = new Set(files.map((f) => f.key));

    const cursor = nextCursor(undefined, { files, done, listed: true, from, to }, [
      { rule: 'root-activity', severity: 'CRITICAL', title: 't', eventId: 'e1', s3Key: files[1]?.key },
      { rule: 'root-activity', severity: 'CRITICAL', title: 't', eventId: 'e0', s3Key: files[0]?.key },
    ]);

    expect(cursor).toEqual({
      scannedTo: to.toISOString(),
      read: [files[1]?.key],
      reported: [['root-activity|e1', '2026-11-14T11:50:00.000Z']],
    });
  });

  test('a file not read holds the cursor at its delivery time, even when later files were read', () => {
    const files = [file('2026-11-14T11:05:00Z'), file('2026-11-14T11:10:00Z'), file('2026-11-14T11:15:00Z')];
    const done = new Set([files[0]?.key as string, files[2]?.key as string]);

    const cursor = nextCursor(undefined, { files, done, listed: true, from, to }, []);

    expect(cursor.scannedTo).toBe('2026-11-14T11:10:00.000Z');
    expect(cursor.read).toEqual([files[0]?.key, files[2]?.key]);
  });

  test('a listing that did not finish holds the cursor at the last file listed', () => {
    const files = [file('2026-11-14T11:05:00Z'), file('2026-11-14T11:10:00Z')];

    const cursor = nextCursor(
      undefined,
      { files, done: new Set(files.map((f) => f.key)), listed: false, from, to },
      [],
    );

    expect(cursor.scannedTo).toBe('2026-11-14T11:10:00.000Z');
  });

  test('a region the listing never reached keeps its cursor', () => {
    const previous: RegionCursor = { scannedTo: '2026-11-14T10:00:00.000Z', read: ['k'], reported: [] };

    expect(nextCursor(previous, { files: [], done: new Set(), listed: false, from, to }, [])).toBe(previous);
  });

  test('files read by the previous run stay in the seam while they are inside it', () => {
    const seamFile = file('2026-11-14T11:58:00Z', 'bbbbbbbbbbbbbbbb');
    const oldFile = file('2026-11-14T09:00:00Z', 'cccccccccccccccc');
    const previous: RegionCursor = {
      scannedTo: '2026-11-14T12:00:00.000Z',
      read: [seamFile.key, oldFile.key],
      reported: [
        ['root-activity|x', '2026-11-14T11:58:00.000Z'],
        ['root-activity|y', '2026-11-14T09:00:00.000Z'],
      ],
    };

    const cursor = nextCursor(previous, { files: [], done: new Set(), listed: true, from, to }, []);

    expect(cursor.read).toEqual([seamFile.key]);
    expect(cursor.reported).toEqual([['root-activity|x', '2026-11-14T11:58:00.000Z']]);
  });
});

describe('validCursor', () => {
  test('a document of another version or account is ignored', () => {
    expect(validCursor({ version: 2, accountId: ACCOUNT, regions: {} }, ACCOUNT)).toBeUndefined();
    expect(validCursor({ version: 1, accountId: '999988887777', regions: {} }, ACCOUNT)).toBeUndefined();
    expect(validCursor(undefined, ACCOUNT)).toBeUndefined();
  });

  test('a region with a bad time is dropped, bad entries are filtered', () => {
    const doc = validCursor(
      {
        version: 1,
        accountId: ACCOUNT,
        regions: {
          'eu-west-1': { scannedTo: 'yesterday', read: [], reported: [] },
          'us-east-1': { scannedTo: '2026-11-14T12:00:00.000Z', read: ['k', 7], reported: [['a', 'b'], 'x'] },
        },
      },
      ACCOUNT,
    );

    expect(doc?.regions).toEqual({
      'us-east-1': { scannedTo: '2026-11-14T12:00:00.000Z', read: ['k'], reported: [['a', 'b']] },
    });
  });
});

describe('cursorsForRun', () => {
  const at = (scannedTo: string): RegionCursor => ({ scannedTo, read: [], reported: [] });
  const doc = validCursor(
    {
      version: 1,
      accountId: ACCOUNT,
      regions: { 'eu-west-1': at('2026-11-14T06:00:00.000Z') },
      runId: 'run-a',
      startedFrom: { 'eu-west-1': at('2026-11-13T06:00:00.000Z') },
    },
    ACCOUNT,
  );

  test('another run continues from the cursor; the run that wrote it starts again from where it started', () => {
    expect(cursorsForRun(doc, 'run-b')?.regions['eu-west-1']?.scannedTo).toBe('2026-11-14T06:00:00.000Z');
    expect(cursorsForRun(doc, 'run-a')?.regions['eu-west-1']?.scannedTo).toBe('2026-11-13T06:00:00.000Z');
  });

  test('a document without a valid start (an older one, or damaged) is a cursor like any other', () => {
    const damaged = validCursor({ ...doc, startedFrom: 'x' }, ACCOUNT);

    expect(damaged).not.toHaveProperty('runId');
    expect(cursorsForRun(damaged, 'run-a')?.regions['eu-west-1']?.scannedTo).toBe('2026-11-14T06:00:00.000Z');
  });
});
