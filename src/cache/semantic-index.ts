/**
 * The semantic index: one usearch HNSW index per namespace (cosine over int8-quantized vectors,
 * which keeps 100k entries fast to search and a quarter the size of f32; the similarity it reports
 * is within ~0.01 of the exact one), mapping each vector to the
 * exact cache key of the answer it stands for. It lives in this process; its entries point into
 * the store, so an entry evicted or expired there is dropped here at its next match. Bounded in
 * entries across namespaces: past the bound the oldest vectors go first.
 */
import usearch, { type Index } from 'usearch';

export interface SemanticMatch {
  key: string;
  similarity: number;
}

interface Space {
  index: Index;
  keys: Map<bigint, string>;
}

export class SemanticIndex {
  private readonly spaces = new Map<string, Space>();
  /** every vector, oldest first: label → namespace */
  private readonly order = new Map<bigint, string>();
  private next = 1n;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.order.size;
  }

  add(namespace: string, vector: Float32Array, key: string): void {
    let space = this.spaces.get(namespace);
    if (!space) {
      space = {
        index: new usearch.Index({ dimensions: vector.length, metric: usearch.MetricKind.Cos, quantization: usearch.ScalarKind.I8, connectivity: 16, expansion_add: 64, expansion_search: 16, multi: false }),
        keys: new Map(),
      };
      this.spaces.set(namespace, space);
    }
    // A namespace keeps the dimensions of its first vector (one embeddings model per route).
    if (vector.length !== space.index.dimensions()) return;
    const label = this.next++;
    space.index.add(label, vector);
    space.keys.set(label, key);
    this.order.set(label, namespace);
    while (this.order.size > this.maxEntries) {
      const [oldest, ns] = this.order.entries().next().value as [bigint, string];
      this.remove(ns, oldest);
    }
  }

  /** The nearest vector's key in the namespace, when its similarity reaches `threshold`. */
  nearest(namespace: string, vector: Float32Array, threshold: number): SemanticMatch | undefined {
    const space = this.spaces.get(namespace);
    if (!space || vector.length !== space.index.dimensions()) return undefined;
    const found = space.index.search(vector, 1, 1);
    if (found.keys.length === 0) return undefined;
    const similarity = 1 - found.distances[0];
    const key = space.keys.get(found.keys[0]);
    if (key === undefined || similarity < threshold) return undefined;
    return { key, similarity };
  }

  /** Drops every vector that points to `key` in the namespace (its entry is gone from the store). */
  forget(namespace: string, key: string): void {
    const space = this.spaces.get(namespace);
    if (!space) return;
    for (const [label, k] of space.keys) if (k === key) this.remove(namespace, label);
  }

  private remove(namespace: string, label: bigint): void {
    this.order.delete(label);
    const space = this.spaces.get(namespace);
    if (!space) return;
    space.index.remove(label);
    space.keys.delete(label);
    if (space.keys.size === 0) this.spaces.delete(namespace);
  }
}
