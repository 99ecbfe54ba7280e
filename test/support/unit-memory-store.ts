import {
  checkStateName,
  type ReportStore,
  type RunRef,
  runPrefix,
  STATE_PREFIX,
} from '../../functions/lib/report-store';

/**
 * A report store in memory, keyed like the bucket (`runs/<date>/<runId>/<name>`). Values are copied through JSON
 * on the way in and out, as S3 would, so a test sees exactly what a later state would read.
 */
export class MemoryReportStore implements ReportStore {
  readonly files = new Map<string, string>();
  /** Every write in order: `runs/<date>/<runId>/<name>`. */
  readonly writes: string[] = [];

  location(run: RunRef): string {
    return `memory://${runPrefix(run)}`;
  }

  async putJson(run: RunRef, name: string, value: unknown): Promise<void> {
    const key = `${runPrefix(run)}${name}`;
    this.files.set(key, JSON.stringify(value));
    this.writes.push(key);
  }

  async putText(run: RunRef, name: string, body: string): Promise<void> {
    const key = `${runPrefix(run)}${name}`;
    this.files.set(key, body);
    this.writes.push(key);
  }

  async getJson<T>(run: RunRef, name: string): Promise<T | undefined> {
    const text = this.files.get(`${runPrefix(run)}${name}`);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async list(run: RunRef, folder: string): Promise<string[]> {
    const prefix = runPrefix(run);
    return [...this.files.keys()]
      .filter((key) => key.startsWith(`${prefix}${folder}`))
      .map((key) => key.slice(prefix.length));
  }

  async getState<T>(name: string): Promise<T | undefined> {
    const text = this.files.get(`${STATE_PREFIX}${checkStateName(name)}`);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async putState(name: string, value: unknown): Promise<void> {
    const key = `${STATE_PREFIX}${checkStateName(name)}`;
    this.files.set(key, JSON.stringify(value));
    this.writes.push(key);
  }

  /** Puts a file as another state would have written it. */
  seed(run: RunRef, name: string, value: unknown): void {
    this.files.set(`${runPrefix(run)}${name}`, JSON.stringify(value));
  }

  /** The parsed file, or `undefined`; for assertions. */
  read<T>(run: RunRef, name: string): T | undefined {
    const text = this.files.get(`${runPrefix(run)}${name}`);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
}
