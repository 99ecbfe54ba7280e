/** What jest hands a sequencer for each suite, as much as its sort reads. */
interface Test {
  readonly path: string;
  readonly context: unknown;
}

// jest.config.js's testSequencer: the suites that take minutes start first, whatever jest's own order.
const LongestFirstSequencer = require('../support/sequencer.js') as new (options: {
  contexts: unknown[];
  globalConfig: unknown;
}) => { sort(tests: Test[]): Test[] };

// No cached durations (a fresh clone): jest's own order is by file size, here all the same.
const context = { config: { cacheDirectory: '/nonexistent', id: 'unit' }, hasteFS: { getSize: () => 1 } };
const suite = (path: string): Test => ({ path, context });

describe('the test sequencer', () => {
  test('starts the minutes-long workflow suites first, longest first, and keeps every other suite', () => {
    // Arrange
    const tests = [
      suite('/repo/test/unit/a.test.ts'),
      suite('/repo/test/workflow/cli.test.ts'),
      suite('/repo/test/unit/b.test.ts'),
      suite('/repo/test/workflow/scale.test.ts'),
    ];

    // Act
    const sorted = new LongestFirstSequencer({ contexts: [], globalConfig: {} }).sort(tests).map(({ path }) => path);

    // Assert
    expect(sorted.slice(0, 2)).toEqual(['/repo/test/workflow/scale.test.ts', '/repo/test/workflow/cli.test.ts']);
    expect([...sorted].sort()).toEqual(tests.map(({ path }) => path).sort());
  });
});
