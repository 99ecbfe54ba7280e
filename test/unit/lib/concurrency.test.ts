import { mapLimit } from '../../../functions/lib/concurrency';
import { deferred, flushPromises as settle } from '../../support/unit-deferred';

/** A call the test finishes by hand, so that the in-flight count is exact at every step. */
interface Pending {
  readonly item: number;
  resolve(value: string): void;
  reject(error: unknown): void;
}

function controlled() {
  const pending: Pending[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = (item: number) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const { promise, resolve, reject } = deferred<string>();
    pending.push({ item, resolve, reject });
    return promise.finally(() => {
      inFlight--;
    });
  };
  return {
    fn,
    pending,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
  };
}

describe('mapLimit', () => {
  test('results keep the order of the items even when calls finish in another order', async () => {
    const calls = controlled();
    const result = mapLimit([1, 2, 3], 3, calls.fn);

    for (const call of [...calls.pending].reverse()) {
      call.resolve(`r${call.item}`);
      await settle();
    }

    await expect(result).resolves.toEqual(['r1', 'r2', 'r3']);
  });

  test('never has more than the limit in flight', async () => {
    const calls = controlled();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const result = mapLimit(items, 3, calls.fn);
    const inFlightSeen: number[] = [];

    while (calls.pending.length > 0) {
      inFlightSeen.push(calls.inFlight());
      const next = calls.pending.shift() as Pending;
      next.resolve(String(next.item));
      await settle();
    }
    await result;

    expect(calls.maxInFlight()).toBe(3);
    expect(Math.max(...inFlightSeen)).toBe(3);
  });

  test('starts as many calls as the limit at once', async () => {
    const calls = controlled();
    const result = mapLimit([1, 2, 3, 4, 5], 2, calls.fn);
    await settle();
    const started = calls.pending.map((call) => call.item);

    for (let call = calls.pending.shift(); call; call = calls.pending.shift()) {
      call.resolve('');
      await settle();
    }
    await result;

    expect(started).toEqual([1, 2]);
  });

  test('a limit above the number of items runs every item once', async () => {
    const seen: number[] = [];

    const result = await mapLimit([1, 2], 50, async (item) => {
      seen.push(item);
      return item * 10;
    });

    expect(result).toEqual([10, 20]);
    expect(seen).toEqual([1, 2]);
  });

  test('a limit of 0 still makes progress, one at a time', async () => {
    const calls = controlled();
    const result = mapLimit([1, 2], 0, calls.fn);

    for (let i = 0; i < 2; i++) {
      await settle();
      (calls.pending.shift() as Pending).resolve('x');
    }

    await expect(result).resolves.toEqual(['x', 'x']);
    expect(calls.maxInFlight()).toBe(1);
  });

  test('no items give no results and no calls', async () => {
    const fn = jest.fn(async () => 'x');

    await expect(mapLimit([], 4, fn)).resolves.toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });

  test('the index of each item is passed along', async () => {
    const result = await mapLimit(['a', 'b'], 2, async (item, index) => `${item}${index}`);

    expect(result).toEqual(['a0', 'b1']);
  });

  test('the first rejection rejects the whole map', async () => {
    const calls = controlled();
    const result = mapLimit([1, 2, 3], 2, calls.fn);

    (calls.pending[1] as Pending).reject(new Error('item 2 failed'));

    await expect(result).rejects.toThrow('item 2 failed');
  });
});
