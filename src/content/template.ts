/**
 * A tiny template renderer: `{{name}}` and `{{a.b}}` placeholders, and `{{#if name}}...{{/if}}`
 * blocks (not nested). Values are inserted in one pass and never re-read, so a `{{` inside a
 * learner's text stays as it is.
 */
export type Vars = Record<string, unknown>;

function lookup(vars: Vars, path: string): unknown {
  let value: unknown = vars;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function render(template: string, vars: Vars): string {
  return template.replace(/\{\{#if ([\w.]+)\}\}([\s\S]*?)\{\{\/if\}\}|\{\{\s*([\w.]+)\s*\}\}/g, (_m, cond: string | undefined, inner: string | undefined, name: string | undefined) => {
    if (cond !== undefined) return isSet(lookup(vars, cond)) ? inner!.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_n, n: string) => show(lookup(vars, n))) : '';
    return show(lookup(vars, name!));
  });
}

/** Splits a template into its `# system` and `# user` parts. */
export function splitParts(template: string): { system: string; user: string } {
  const m = /^# system[ \t]*\r?\n([\s\S]*?)^# user[ \t]*\r?\n([\s\S]*)$/m.exec(template);
  if (!m) throw new Error('a prompt template needs a "# system" line followed later by a "# user" line');
  return { system: m[1].trim(), user: m[2].trim() };
}
