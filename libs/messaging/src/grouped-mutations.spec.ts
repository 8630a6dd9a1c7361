import { GroupedMutations } from './grouped-mutations';
import type { Mutation } from './json-kv';

/** A key-value cell with compare-and-set writes that counts them, and can make the next writes conflict. */
class Cell {
  value: number[] = [];
  writes = 0;
  attempts = 0;
  conflicts = 0;
  private gate?: Promise<void>;
  private open?: () => void;

  /** holds the next write until `release` (so mutations queue behind it) */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  write = async (key: string, mutation: Mutation<number[]>): Promise<number[] | undefined> => {
    if (key !== 'present') return undefined;
    await this.gate;
    for (;;) {
      this.attempts += 1;
      const next = mutation(this.value, { revision: this.writes });
      if (next === undefined) return this.value;
      if (this.conflicts > 0) {
        // someone else wrote first: the store re-reads and applies the mutation again
        this.conflicts -= 1;
        this.value = [...this.value, -1];
        continue;
      }
      this.writes += 1;
      this.value = next;
      return next;
    }
  };
}

const append =
  (n: number): Mutation<number[]> =>
  (current) =>
    current.includes(n) ? undefined : [...current, n];

describe('GroupedMutations', () => {
  it('writes the mutations that arrive while a write is in flight together, in arrival order, in one write', async () => {
    const cell = new Cell();
    const groups = new GroupedMutations(cell.write);
    cell.hold();
    const first = groups.mutate('present', append(1));
    const rest = [2, 3, 4, 5].map((n) => groups.mutate('present', append(n)));
    cell.release();
    const outcomes = await Promise.all([first, ...rest]);

    expect(cell.value).toEqual([1, 2, 3, 4, 5]);
    expect(cell.writes).toBe(2); // the first alone, then the four that waited for it
    // each caller sees the record right after its own mutation, and what the write stored
    expect(outcomes.map((o) => o?.value)).toEqual([[1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5]]);
    expect(outcomes.slice(1).map((o) => o?.stored)).toEqual(Array(4).fill([1, 2, 3, 4, 5]));
    // one caller per write is the last (announces the write once)
    expect(outcomes.map((o) => o?.last)).toEqual([true, false, false, false, true]);
  });

  it('is as safe to run twice as each mutation: a repeat in the same group changes nothing', async () => {
    const cell = new Cell();
    const groups = new GroupedMutations(cell.write);
    cell.hold();
    const all = [1, 1, 2, 2].map((n) => groups.mutate('present', append(n)));
    cell.release();
    await Promise.all(all);
    expect(cell.value).toEqual([1, 2]);
  });

  it('gives a throwing mutation its error alone; the others of its group are written', async () => {
    const cell = new Cell();
    const groups = new GroupedMutations(cell.write);
    cell.hold();
    const first = groups.mutate('present', append(1));
    const refused = groups.mutate('present', () => {
      throw new Error('refused');
    });
    const after = groups.mutate('present', append(3));
    cell.release();

    await expect(refused).rejects.toThrow('refused');
    expect((await after)?.value).toEqual([1, 3]);
    expect((await after)?.last).toBe(true);
    expect((await first)?.value).toEqual([1]);
    expect(cell.value).toEqual([1, 3]);
  });

  it('applies the whole group again to a fresh read after a conflict, and settles no caller before its write', async () => {
    const cell = new Cell();
    const groups = new GroupedMutations(cell.write);
    cell.hold();
    const first = groups.mutate('present', append(1));
    let settled = 0;
    const rest = [2, 3].map((n) => groups.mutate('present', append(n)).then((o) => ((settled += 1), o)));
    await Promise.resolve();
    expect(settled).toBe(0);
    cell.conflicts = 2;
    cell.release();
    await Promise.all([first, ...rest]);

    // the other writer's -1s are kept: every attempt started from what was stored
    expect(cell.value).toEqual([-1, -1, 1, 2, 3]);
    expect(settled).toBe(2);
  });

  it('rejects every caller of a group whose write fails, and goes on with the next group', async () => {
    let fail = true;
    const cell = new Cell();
    const groups = new GroupedMutations<number[]>(async (key, mutation) => {
      if (fail) {
        fail = false;
        throw new Error('NATS timeout');
      }
      return cell.write(key, mutation);
    });
    const failing = groups.mutate('present', append(1));
    await expect(failing).rejects.toThrow('NATS timeout');
    expect((await groups.mutate('present', append(2)))?.value).toEqual([2]);
  });

  it('resolves undefined for a key that does not exist', async () => {
    const groups = new GroupedMutations(new Cell().write);
    expect(await groups.mutate('absent', append(1))).toBeUndefined();
  });

  it('writes at most maxGroup mutations at once', async () => {
    const cell = new Cell();
    const groups = new GroupedMutations(cell.write, undefined, 2);
    cell.hold();
    const all = [1, 2, 3, 4, 5].map((n) => groups.mutate('present', append(n)));
    cell.release();
    await Promise.all(all);
    expect(cell.value).toEqual([1, 2, 3, 4, 5]);
    expect(cell.writes).toBe(3); // 1, then 2+3, then 4+5
  });
});
