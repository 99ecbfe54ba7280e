import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { errorName } from './errors';

/** What a report store needs to know of a run to place its files. */
export interface RunRef {
  readonly id: string;
  readonly startedAt: string;
}

/** Where the files of a run go: targets.json, accounts/<id>.json, summary.json. */
export interface ReportStore {
  /** The run's folder, for people: `s3://bucket/runs/<date>/<id>/` or a local path. */
  location(run: RunRef): string;
  putJson(run: RunRef, name: string, value: unknown): Promise<void>;
  /** A text file in the run's folder (`report.html`), with its media type. */
  putText(run: RunRef, name: string, body: string, contentType: string): Promise<void>;
  /** The parsed file, or `undefined` when there is none. */
  getJson<T>(run: RunRef, name: string): Promise<T | undefined>;
  /** The names of the run's files under a folder, e.g. `accounts/` → `['accounts/111111111111.json', ...]`. */
  list(run: RunRef, folder: string): Promise<string[]>;
  /**
   * A small state document that outlives runs (`state/<name>`): the CloudTrail cursors, the pointer to the previous
   * comparable run. `undefined` when there is none.
   */
  getState<T>(name: string): Promise<T | undefined>;
  putState(name: string, value: unknown): Promise<void>;
}

/** The folder of the state documents, beside `runs/`. */
export const STATE_PREFIX = 'state/';

/** A state document's name: letters, digits and `._-/`, no `..`, so that it stays under `state/`. */
export function checkStateName(name: string): string {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').includes('..')) {
    throw new Error(`invalid state document name: ${JSON.stringify(name).slice(0, 80)}`);
  }
  return name;
}

/**
 * A run ID as it names a folder: an execution name or a local run's ID (letters, digits and `_.:-`, at most 80
 * characters), starting with a letter or a digit, so that `.` and `..` never name a store's parent folder.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][\w.:-]{0,79}$/;

/** Whether `value` is a run ID ({@link RUN_ID_PATTERN}). */
export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** `runs/<YYYY-MM-DD>/<runId>/`: runs of a day sort together and expire together. */
export function runPrefix(run: RunRef): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(run.startedAt)?.[0] ?? 'undated';
  return `runs/${day}/${run.id}/`;
}

/** The report bucket in the Audit account. */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client,
  ) {}

  location(run: RunRef): string {
    return `s3://${this.bucket}/${runPrefix(run)}`;
  }

  async putJson(run: RunRef, name: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${runPrefix(run)}${name}`,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }

  async putText(run: RunRef, name: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${runPrefix(run)}${name}`,
        Body: body,
        ContentType: contentType,
      }),
    );
  }

  async getJson<T>(run: RunRef, name: string): Promise<T | undefined> {
    return this.getKey<T>(`${runPrefix(run)}${name}`);
  }

  getState<T>(name: string): Promise<T | undefined> {
    return this.getKey<T>(`${STATE_PREFIX}${checkStateName(name)}`);
  }

  async putState(name: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${STATE_PREFIX}${checkStateName(name)}`,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }

  private async getKey<T>(key: string): Promise<T | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await result.Body?.transformToString();
      return text === undefined ? undefined : (JSON.parse(text) as T);
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(run: RunRef, folder: string): Promise<string[]> {
    const prefix = runPrefix(run);
    const names: string[] = [];
    const pages = paginateListObjectsV2({ client: this.s3 }, { Bucket: this.bucket, Prefix: `${prefix}${folder}` });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key) names.push(object.Key.slice(prefix.length));
      }
    }
    return names;
  }
}

/** A local folder, for `ct-audit`: `<directory>/<runId>/...`. */
export class LocalReportStore implements ReportStore {
  private readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  location(run: RunRef): string {
    return `${this.folder(run)}/`;
  }

  async putJson(run: RunRef, name: string, value: unknown): Promise<void> {
    await writeJson(join(this.folder(run), name), value);
  }

  async putText(run: RunRef, name: string, body: string): Promise<void> {
    await writeText(join(this.folder(run), name), body);
  }

  async getJson<T>(run: RunRef, name: string): Promise<T | undefined> {
    return await readJson<T>(join(this.folder(run), name));
  }

  /** State documents live in `<directory>/.state/`, which no run ID can name. */
  getState<T>(name: string): Promise<T | undefined> {
    return readJson<T>(join(this.directory, '.state', checkStateName(name)));
  }

  putState(name: string, value: unknown): Promise<void> {
    return writeJson(join(this.directory, '.state', checkStateName(name)), value);
  }

  async list(run: RunRef, folder: string): Promise<string[]> {
    try {
      const base = folder.endsWith('/') ? folder : `${folder}/`;
      const entries = await readdir(join(this.folder(run), base));
      return entries.filter((entry) => !entry.endsWith('.partial')).map((entry) => `${base}${entry}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** The run's folder; a run ID that could name another folder (`..`, a path) is refused, never joined. */
  private folder(run: RunRef): string {
    if (!isRunId(run.id)) throw new Error(`invalid run ID for a folder: ${JSON.stringify(run.id).slice(0, 90)}`);
    return join(this.directory, run.id);
  }
}

function writeJson(path: string, value: unknown): Promise<void> {
  return writeText(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function writeText(path: string, body: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Write then rename, so that a reader never sees half a file.
  const partial = `${path}.partial`;
  await writeFile(partial, body);
  await rename(partial, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** How a {@link TeeReportStore} joins the locations of its stores: `/tmp/r/run/ and s3://b/runs/…/run/`. */
export const LOCATION_SEPARATOR = ' and ';

/** The folders a store's location names: one, or one per store of a tee store. */
export function locationParts(location: string): string[] {
  return location.split(LOCATION_SEPARATOR);
}

/**
 * A file in every folder a location names, joined the way the location was: `a/report.html and s3://…/report.html`.
 * `folder` may rewrite each folder first (the CLI shows a local one relative to the working directory).
 */
export function fileInEach(location: string, file: string, folder: (part: string) => string = (part) => part): string {
  return locationParts(location)
    .map((part) => `${folder(part)}${file}`)
    .join(LOCATION_SEPARATOR);
}

/** Writes to every store and reads from the first: the CLI keeps local reports and fills the bucket too. */
export class TeeReportStore implements ReportStore {
  private readonly stores: readonly [ReportStore, ...ReportStore[]];

  constructor(primary: ReportStore, ...others: ReportStore[]) {
    this.stores = [primary, ...others];
  }

  location(run: RunRef): string {
    return this.stores.map((store) => store.location(run)).join(LOCATION_SEPARATOR);
  }

  async putJson(run: RunRef, name: string, value: unknown): Promise<void> {
    await Promise.all(this.stores.map((store) => store.putJson(run, name, value)));
  }

  async putText(run: RunRef, name: string, body: string, contentType: string): Promise<void> {
    await Promise.all(this.stores.map((store) => store.putText(run, name, body, contentType)));
  }

  getJson<T>(run: RunRef, name: string): Promise<T | undefined> {
    return this.stores[0].getJson<T>(run, name);
  }

  list(run: RunRef, folder: string): Promise<string[]> {
    return this.stores[0].list(run, folder);
  }

  getState<T>(name: string): Promise<T | undefined> {
    return this.stores[0].getState<T>(name);
  }

  async putState(name: string, value: unknown): Promise<void> {
    await Promise.all(this.stores.map((store) => store.putState(name, value)));
  }
}
