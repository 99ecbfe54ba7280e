import type { RunInfo } from '../../../functions/lib/types';
import { publishReport } from '../../../functions/publish-report/publish-report';
import type { PublishContext, ReportSink } from '../../../functions/report/sink';
import { ReportFileSink } from '../../../functions/report/sinks';
import { accountFindings, runSummary, trackedFinding } from '../../support/report-factories';
import { MemoryReportStore } from '../../support/unit-memory-store';

const RUN: RunInfo = {
  id: 'run-2',
  mode: 'audit',
  checks: ['identity', 'cloudtrail-events'],
  role: 'readOnly',
  startedAt: '2030-01-02T06:00:00.000Z',
  maxConcurrency: 40,
  failOnIssues: true,
  reportLocation: 'memory://runs/2030-01-02/run-2/',
};

function seeded() {
  const store = new MemoryReportStore();
  store.seed(RUN, 'summary.json', runSummary());
  store.seed(RUN, 'findings/111111111111.json', accountFindings([trackedFinding()]));
  return store;
}

class RecordingSink implements ReportSink {
  readonly contexts: PublishContext[] = [];
  constructor(readonly name: string) {}
  async publish(context: PublishContext) {
    this.contexts.push(context);
    return 'done';
  }
}

const failing: ReportSink = {
  name: 'sns',
  publish: async () => {
    throw Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' });
  },
};

describe('publishReport', () => {
  test('writes report.html beside summary.json and says where it is', async () => {
    const store = seeded();

    const result = await publishReport({ run: RUN }, { store, sinks: [new ReportFileSink(store)] });

    expect(store.files.get('runs/2030-01-02/run-2/report.html')).toMatch(/^<!doctype html>/);
    expect(result).toEqual({
      report: 'memory://runs/2030-01-02/run-2/report.html',
      sinks: [{ sink: 'report.html', ok: true, detail: 'written to memory://runs/2030-01-02/run-2/report.html' }],
      failed: 0,
    });
  });

  test('a failing sink is reported, and the sinks after it still run', async () => {
    const store = seeded();
    const after = new RecordingSink('metrics');

    const result = await publishReport({ run: RUN }, { store, sinks: [failing, after] });

    expect(result.sinks).toEqual([
      { sink: 'sns', ok: false, detail: 'NotFoundException: Topic does not exist' },
      { sink: 'metrics', ok: true, detail: 'done' },
    ]);
    expect(result.failed).toBe(1);
  });

  test('every sink gets the summary and each account’s findings', async () => {
    const store = seeded();
    const sink = new RecordingSink('x');

    await publishReport({ run: RUN }, { store, sinks: [sink] });

    expect(sink.contexts[0]?.summary.runId).toBe('run-2');
    expect(sink.contexts[0]?.findings.get('111111111111')?.findings).toHaveLength(1);
  });

  test('a missing summary.json is an error naming it (the ASL Catch keeps the verdict)', async () => {
    await expect(publishReport({ run: RUN }, { store: new MemoryReportStore(), sinks: [] })).rejects.toThrow(
      /summary\.json is missing .*Summarize did not finish/,
    );
  });
});
