import type { AccountFindings } from '../lib/changes';
import { mapLimit } from '../lib/concurrency';
import { errorMessage, errorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { fileInEach, type ReportStore } from '../lib/report-store';
import { cleanText } from '../lib/text';
import type { RunInfo, RunSummary } from '../lib/types';
import type { ReportSink } from '../report/sink';
import { REPORT_FILE } from '../report/sinks';

/** What Publish Report gets: the run (Summarize's output carries it). */
export interface PublishReportEvent {
  readonly run: RunInfo;
}

/** One sink's outcome. */
export interface SinkOutcome {
  readonly sink: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The state output: small; a failed sink is listed here, and the run's verdict is left as Summarize made it. */
export interface PublishReportResult {
  readonly report: string;
  readonly sinks: readonly SinkOutcome[];
  readonly failed: number;
}

/** What Publish Report works with, built once per container in handler.ts. */
export interface PublishReportDeps {
  readonly store: ReportStore;
  readonly sinks: readonly ReportSink[];
  readonly now?: () => Date;
}

const READ_CONCURRENCY = 32;

/** Where report.html is, for people (a tee store names each of its places). */
export function reportLocationOf(store: ReportStore, run: RunInfo): string {
  return fileInEach(store.location(run), REPORT_FILE);
}

/**
 * Reads summary.json and each account's findings, then hands them to every sink in turn. A sink that fails is
 * reported in the result and logged; the others still run. Throws only when the run's summary cannot be read.
 */
export async function publishReport(event: PublishReportEvent, deps: PublishReportDeps): Promise<PublishReportResult> {
  const { run } = event;
  const { store } = deps;
  const summary = await store.getJson<RunSummary>(run, 'summary.json');
  if (!summary) throw new Error(`summary.json is missing at ${store.location(run)}: Summarize did not finish`);
  const names = await store.list(run, 'findings/');
  const documents = await mapLimit(names, READ_CONCURRENCY, (name) => store.getJson<AccountFindings>(run, name));
  const findings = new Map(
    documents.filter((doc): doc is AccountFindings => doc !== undefined).map((doc) => [doc.accountId, doc]),
  );
  const context = {
    run,
    summary,
    findings,
    reportLocation: reportLocationOf(store, run),
    now: (deps.now ?? (() => new Date()))(),
  };

  const sinks: SinkOutcome[] = [];
  for (const sink of deps.sinks) {
    try {
      sinks.push({ sink: sink.name, ok: true, detail: cleanText(await sink.publish(context), 200) });
    } catch (error) {
      const detail = cleanText(`${errorName(error) ?? 'Error'}: ${errorMessage(error)}`, 300);
      logger.warn('a report sink failed', { runId: run.id, sink: sink.name, error: detail });
      sinks.push({ sink: sink.name, ok: false, detail });
    }
  }
  const failed = sinks.filter((outcome) => !outcome.ok).length;
  logger.info('run published', { runId: run.id, sinks: sinks.length, failed });
  return { report: context.reportLocation, sinks, failed };
}
