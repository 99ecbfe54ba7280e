import { Writable } from 'node:stream';

/**
 * The lines of `ct-audit`'s standard error that report a problem: everything but the notes a successful run prints
 * there (with `--json` the report path goes to stderr; with `--endpoint`, the note that an emulator may not check
 * IAM).
 */
export function problemLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(
      (line) => line.trim() !== '' && !line.startsWith('Report: ') && !line.startsWith('Note: every call went to'),
    );
}

/** A terminal for the progress bar: a TTY 120 columns wide that keeps what is written to it. */
export function terminal() {
  const written: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        written.push(String(chunk));
        done();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  return { written, stream, text: () => written.join('') };
}
