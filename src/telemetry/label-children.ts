/**
 * prom-client's `labels(...)` hashes its label values into a string on every call. On the request
 * path we keep each label set's child in nested Maps instead: a few Map lookups, no string built.
 * Bounded: past `max` distinct label sets, new ones share one child whose values are all "other".
 */
export class LabelChildren<T> {
  private readonly root = new Map<string, unknown>();
  private count = 0;
  private overflow: T | undefined;

  constructor(
    private readonly make: (...values: string[]) => T,
    private readonly depth: number,
    private readonly max = 5_000,
  ) {}

  get(a: string, b = '', c = '', d = '', e = ''): T {
    const values = [a, b, c, d, e];
    let map = this.root;
    for (let i = 0; i < this.depth - 1; i++) {
      let next = map.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        map.set(values[i], next);
      }
      map = next;
    }
    const last = values[this.depth - 1];
    let child = map.get(last) as T | undefined;
    if (child === undefined) {
      if (this.count >= this.max) return (this.overflow ??= this.make(...new Array<string>(this.depth).fill('other')));
      child = this.make(...values.slice(0, this.depth));
      map.set(last, child);
      this.count++;
    }
    return child;
  }
}
