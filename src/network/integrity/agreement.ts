/**
 * Whether two answers to the same request agree. Generated text differs word for word between
 * honest miners, so agreement is measured on content words (lower-cased, 3+ letters, common
 * function words left out) with the overlap coefficient |A ∩ B| / min(|A|, |B|): two answers
 * about the same topic share its vocabulary; a canned or corrupted answer does not.
 */

const STOP = new Set(
  'the and for are but not you all any can had her was one our out has him his how man new now old see two way who did its let put say she too use that with have this will your from they know want been good much some time very when come here just like long make many more only over such take than them well were what into then also each which their there about would these other could after first most where those being while should'.split(' '),
);

/** The most words compared per answer. */
const MAX_WORDS = 4096;

/** The text an answer says: a JSON answer (content) by its string values only, so its keys do not count as agreement. */
export function spokenText(text: string): string {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return text;
  }
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return parts.join(' ');
}

export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of spokenText(text).toLowerCase().matchAll(/\p{L}{3,}/gu)) {
    if (!STOP.has(m[0])) out.add(m[0]);
    if (out.size >= MAX_WORDS) break;
  }
  return out;
}

export function overlap(a: string, b: string): number {
  const wa = contentWords(a);
  const wb = contentWords(b);
  if (wa.size === 0 || wb.size === 0) return wa.size === wb.size ? 1 : 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / Math.min(wa.size, wb.size);
}

/** Default threshold: a fifth of the shorter answer's content words in common. */
export const AGREEMENT_THRESHOLD = 0.2;

export function agree(a: string, b: string, threshold = AGREEMENT_THRESHOLD): boolean {
  return overlap(a, b) >= threshold;
}
