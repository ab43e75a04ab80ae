/**
 * Adapts a JSON Schema to what node-llama-cpp's grammar builder reads. Its grammar alternation is
 * spelled `oneOf`; for generating a value, `anyOf` means the same (any one branch is produced), so
 * `anyOf` becomes `oneOf`. Everything else is left for node-llama-cpp to accept or reject.
 */
export function toGrammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGrammarSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key === 'anyOf' && !('oneOf' in schema) ? 'oneOf' : key] = toGrammarSchema(value);
  }
  return out;
}
