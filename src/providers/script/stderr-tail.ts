/**
 * The last bytes a script wrote to stderr, kept to explain its failure. Bounded, and the values
 * of secret-looking environment variables are masked before the text reaches an error message.
 */

/** stderr kept per process */
const KEEP_BYTES = 8 * 1024;
/** stderr quoted in one error message */
const QUOTE_CHARS = 1000;
/** environment names whose values are never quoted */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASS|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|SIGNATURE/i;

export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly secrets: readonly string[]) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.size - this.chunks[0].byteLength >= KEEP_BYTES) this.size -= this.chunks.shift()!.byteLength;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /** The last lines, secrets masked, for an error message; '' when the script wrote nothing. */
  quote(): string {
    let text = Buffer.concat(this.chunks).toString('utf8').trim();
    for (const secret of this.secrets) text = text.replaceAll(secret, '***');
    if (text.length > QUOTE_CHARS) text = `...${text.slice(-QUOTE_CHARS)}`;
    return text;
  }
}

/**
 * The values to mask: every value the config's `env` sets (the user put them there for the
 * script, often keys), and those of secret-looking names in Polymath's own environment.
 */
export function secretValues(configured: Record<string, string>, inherited: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set(Object.values(configured));
  for (const [name, value] of Object.entries(inherited)) if (value && SECRET_NAME.test(name)) values.add(value);
  // Short values (a "1", a "true") would mask ordinary words; longest first so overlaps mask whole.
  return [...values].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
}

/** " (stderr: ...)" or '' */
export function stderrSuffix(tail: StderrTail): string {
  const text = tail.quote();
  return text ? ` (stderr: ${text})` : '';
}
