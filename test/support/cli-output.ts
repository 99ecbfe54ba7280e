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
