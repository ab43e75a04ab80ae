/**
 * `${VAR}` and `${VAR:-default}` in YAML string values, read from the environment. A value that is
 * exactly one unset reference becomes absent, so a schema default applies or a required key
 * reports itself; the names of unset variables are returned for the error message.
 */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: unknown;
  /** config path (dot-joined) → the unset variable it referred to */
  unset: Map<string, string>;
}

export function interpolate(value: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const unset = new Map<string, string>();
  const walk = (v: unknown, path: string[]): unknown => {
    if (typeof v === 'string') return substitute(v, env, path.join('.'), unset);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, String(i)]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const next = walk(item, [...path, k]);
        if (next !== undefined) out[k] = next;
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, []), unset };
}

function substitute(s: string, env: NodeJS.ProcessEnv, path: string, unset: Map<string, string>): string | undefined {
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(s);
  if (whole) {
    const v = env[whole[1]];
    if (v === undefined || v === '') {
      unset.set(path, whole[1]);
      return undefined;
    }
    return v;
  }
  return s.replace(REF, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback === undefined) unset.set(path, name);
    return fallback ?? '';
  });
}
