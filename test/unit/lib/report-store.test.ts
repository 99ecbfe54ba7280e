import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  checkStateName,
  isRunId,
  LocalReportStore,
  type ReportStore,
  runPrefix,
  S3ReportStore,
  TeeReportStore,
} from '../../../functions/lib/report-store';
import { MemoryReportStore } from '../../support/unit-memory-store';

const s3 = mockClient(S3Client);
const RUN = { id: 'run-42', startedAt: '2030-01-02T06:00:00.000Z' };

function s3Error(name: string): S3ServiceException {
  return new S3ServiceException({ name, message: `${name} from S3`, $fault: 'client', $metadata: {} });
}

/** The part of a streaming body that the store reads. */
function body(text: string): GetObjectCommandOutput['Body'] {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

beforeEach(() => s3.reset());

describe('runPrefix', () => {
  test('files of a run live under runs/<day the run started>/<run ID>/', () => {
    expect(runPrefix(RUN)).toBe('runs/2030-01-02/run-42/');
  });

  test('a start time without a date goes under undated', () => {
    expect(runPrefix({ id: 'run-42', startedAt: 'yesterday' })).toBe('runs/undated/run-42/');
  });
});

describe('names that become paths', () => {
  test.each([
    'local-20300101T060000Z-abc123',
    'ct-audit-run-3',
    'remediation-20300102T060000Z-0a1b2c',
    'a',
    'x'.repeat(80),
  ])('%s is a run ID', (id) => {
    expect(isRunId(id)).toBe(true);
  });

  test.each(['', '.', '..', '.hidden', '-flag', 'a/b', '../etc', 'a b', 'x'.repeat(81)])('%j is not a run ID', (id) => {
    expect(isRunId(id)).toBe(false);
  });

  test.each(['remediation/approvals/run-1.json', 'audit/cursor.json'])('%s is a state document name', (name) => {
    expect(checkStateName(name)).toBe(name);
  });

  test.each(['', '../x.json', 'a/../../b.json', '/abs.json', 'a//b.json', 'a/./b.json/..'])(
    '%j is refused as a state document name: it could leave state/',
    (name) => {
      expect(() => checkStateName(name)).toThrow(/invalid state document name/);
    },
  );
});

describe('S3ReportStore', () => {
  test('writes JSON to runs/<YYYY-MM-DD>/<runId>/<name> in the bucket', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3ReportStore('reports', new S3Client({}));

    await store.putJson(RUN, 'accounts/111111111111.json', { status: 'PASS' });

    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'reports',
      Key: 'runs/2030-01-02/run-42/accounts/111111111111.json',
      Body: '{"status":"PASS"}',
      ContentType: 'application/json',
    });
  });

  test('reads and parses a file from the same key', async () => {
    s3.on(GetObjectCommand, { Bucket: 'reports', Key: 'runs/2030-01-02/run-42/targets.json' }).resolves({
      Body: body('{"targets":[]}'),
    });
    const store = new S3ReportStore('reports', new S3Client({}));

    await expect(store.getJson(RUN, 'targets.json')).resolves.toEqual({ targets: [] });
  });

  test('a missing file (NoSuchKey) is undefined', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey'));
    const store = new S3ReportStore('reports', new S3Client({}));

    await expect(store.getJson(RUN, 'targets.json')).resolves.toBeUndefined();
  });

  test('any other error is thrown to the caller', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied'));
    const store = new S3ReportStore('reports', new S3Client({}));

    await expect(store.getJson(RUN, 'targets.json')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  test('its location is the run folder as an s3:// URL', () => {
    const store = new S3ReportStore('reports', new S3Client({}));

    expect(store.location(RUN)).toBe('s3://reports/runs/2030-01-02/run-42/');
  });
});

describe('LocalReportStore', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ct-audit-unit-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  test('a file written is read back as the same value', async () => {
    const store = new LocalReportStore(directory);
    const value = { accountId: '111111111111', checks: { identity: { status: 'PASS' } } };

    await store.putJson(RUN, 'accounts/111111111111.json', value);

    await expect(store.getJson(RUN, 'accounts/111111111111.json')).resolves.toEqual(value);
  });

  test('files go under <directory>/<runId>/ as formatted JSON', async () => {
    const store = new LocalReportStore(directory);

    await store.putJson(RUN, 'summary.json', { ok: true });

    await expect(readFile(join(directory, 'run-42', 'summary.json'), 'utf8')).resolves.toBe('{\n  "ok": true\n}\n');
  });

  test('no partial file is left behind after a write', async () => {
    const store = new LocalReportStore(directory);

    await store.putJson(RUN, 'summary.json', { ok: true });

    await expect(readdir(join(directory, 'run-42'))).resolves.toEqual(['summary.json']);
  });

  test('a missing file is undefined', async () => {
    const store = new LocalReportStore(directory);

    await expect(store.getJson(RUN, 'summary.json')).resolves.toBeUndefined();
  });

  test('a file that is not JSON is an error, not undefined', async () => {
    const store = new LocalReportStore(directory);
    await store.putJson(RUN, 'summary.json', {});
    await writeFile(join(directory, 'run-42', 'summary.json'), '{not json');

    await expect(store.getJson(RUN, 'summary.json')).rejects.toThrow(SyntaxError);
  });

  test('its location is the run folder', () => {
    const store = new LocalReportStore(directory);

    expect(store.location(RUN)).toBe(`${join(directory, 'run-42')}/`);
  });

  test('a run ID that names another folder is refused: nothing above the reports is read or written', async () => {
    const inner = join(directory, 'reports');
    const store = new LocalReportStore(inner);
    await writeFile(join(directory, 'summary.json'), '{"outside":true}');

    await expect(store.getJson({ ...RUN, id: '..' }, 'summary.json')).rejects.toThrow(/invalid run ID/);
    await expect(store.putJson({ ...RUN, id: '..' }, 'x.json', {})).rejects.toThrow(/invalid run ID/);
    await expect(store.list({ ...RUN, id: '..' }, 'accounts')).rejects.toThrow(/invalid run ID/);
    expect(() => store.location({ ...RUN, id: '../x' })).toThrow(/invalid run ID/);
    await expect(readdir(directory)).resolves.toEqual(['summary.json']);
  });
});

describe('TeeReportStore', () => {
  test('writes every file to every store', async () => {
    const first = new MemoryReportStore();
    const second = new MemoryReportStore();
    const tee = new TeeReportStore(first, second);

    await tee.putJson(RUN, 'targets.json', { targets: ['111111111111'] });

    expect(first.read(RUN, 'targets.json')).toEqual({ targets: ['111111111111'] });
    expect(second.read(RUN, 'targets.json')).toEqual({ targets: ['111111111111'] });
  });

  test('reads from the first store only', async () => {
    const first = new MemoryReportStore();
    const second = new MemoryReportStore();
    first.seed(RUN, 'targets.json', { from: 'first' });
    second.seed(RUN, 'targets.json', { from: 'second' });
    const tee = new TeeReportStore(first, second);

    await expect(tee.getJson(RUN, 'targets.json')).resolves.toEqual({ from: 'first' });
  });

  test('a file only the second store has is not found', async () => {
    const first = new MemoryReportStore();
    const second = new MemoryReportStore();
    second.seed(RUN, 'targets.json', { from: 'second' });
    const tee = new TeeReportStore(first, second);

    await expect(tee.getJson(RUN, 'targets.json')).resolves.toBeUndefined();
  });

  test('a failed write to any store fails the write', async () => {
    const failing: ReportStore = {
      location: () => 'broken',
      putJson: async () => {
        throw new Error('disk full');
      },
      putText: async () => {
        throw new Error('disk full');
      },
      getJson: async () => undefined,
      getState: async () => undefined,
      putState: async () => {},
      list: async () => [],
    };
    const tee = new TeeReportStore(new MemoryReportStore(), failing);

    await expect(tee.putJson(RUN, 'summary.json', {})).rejects.toThrow('disk full');
  });

  test('its location names every store', () => {
    const tee = new TeeReportStore(new MemoryReportStore(), new S3ReportStore('reports', new S3Client({})));

    expect(tee.location(RUN)).toBe('memory://runs/2030-01-02/run-42/ and s3://reports/runs/2030-01-02/run-42/');
  });
});
