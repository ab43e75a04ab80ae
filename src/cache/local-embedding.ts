/**
 * The semantic cache's own embedding when no embeddings model is configured: feature hashing of
 * the text's words and of each word's character trigrams into a fixed number of dimensions,
 * L2-normalized, so cosine similarity measures shared words and word pieces. It is cheap (a few
 * µs for a topic, no call), deterministic across processes, and deliberately literal: common
 * English function words and possessives are left out, so "the water cycle" and "Water cycle!"
 * or "how volcanoes erupt" and "how do volcanoes erupt" match, while "the water cycle" and "the
 * carbon cycle" do not. It does not know synonyms; configure `cache.semantic.embedding_model`
 * for that.
 */

/** Words that do not change what a topic is about. */
const STOP_WORDS = new Set(
  'a an the of in on at to for and or about with from by into how what why when where which who is are was were be do does did can could should would explain introduction intro basics'.split(' '),
);

/** FNV-1a, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function addFeature(v: Float32Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  // The top bit picks the sign, so collisions cancel out on average instead of piling up.
  v[h % v.length] += h & 0x80000000 ? -weight : weight;
}

export function localEmbedding(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  const words = text.toLowerCase().normalize('NFKC').replace(/['’]s\b/gu, '').match(/[\p{L}\p{N}]+/gu) ?? [];
  const kept = words.filter((w) => !STOP_WORDS.has(w));
  for (const w of kept.length > 0 ? kept : words) {
    addFeature(v, `w:${w}`, 1);
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(v, `t:${padded.slice(i, i + 3)}`, 0.5);
  }
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  if (norm === 0) return v;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] *= scale;
  return v;
}
