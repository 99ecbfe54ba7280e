const Sequencer = require('@jest/test-sequencer').default;

/**
 * The suites that take minutes on a 2-core machine, longest first (`.ci/run`, 2026-12-02: scale 350–390 s, faults
 * 150–260, cli 145–165, current-state 60–120, sandbox-run 40–100). Jest orders a run by the durations it cached from
 * the last one, and without them (a fresh clone, as in CI) by file size, which started the 5,000-account suite last:
 * the run then waited for it alone, 979 s in all where the suites' time shared over two workers is about 770.
 */
const LONGEST_FIRST = [
  'test/workflow/scale.test.ts',
  'test/workflow/faults.test.ts',
  'test/workflow/cli.test.ts',
  'test/workflow/current-state.test.ts',
  'test/workflow/sandbox-run.test.ts',
];

/** Jest's order, with the suites above moved to the front, in that order. */
class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = [...super.sort(tests)];
    const rank = (test) => LONGEST_FIRST.findIndex((suffix) => test.path.endsWith(suffix));
    const first = sorted.filter((test) => rank(test) >= 0).sort((a, b) => rank(a) - rank(b));
    return [...first, ...sorted.filter((test) => rank(test) < 0)];
  }
}

module.exports = LongestFirstSequencer;
