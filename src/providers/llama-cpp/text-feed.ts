/**
 * Text pushed by a callback (node-llama-cpp's onTextChunk) read as an async iterable. Text that
 * arrives while the reader is busy is joined into one piece, so the buffer holds at most the
 * text of one generation (itself bounded by max_tokens and the context size), never a backlog of
 * events.
 *
 * After the first piece, pieces are at least `minGapMs` apart: a model faster than that (a small
 * one on CPU makes a token per ~0.7 ms) sends a few tokens per chunk instead of paying SSE framing,
 * a socket write and the client's parse per token on the thread that drives generation. A model
 * slower than one token per `minGapMs` still streams every token as it comes.
 */
export class TextFeed implements AsyncIterable<string> {
  constructor(private readonly minGapMs = 0) {}

  private text = '';
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;
  /** cuts short a wait between pieces when the generation ends */
  private hurry: (() => void) | undefined;

  push(text: string): void {
    this.text += text;
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
    this.hurry?.();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let last = -Infinity;
    for (;;) {
      if (this.text) {
        const wait = last + this.minGapMs - performance.now();
        if (wait > 0 && !this.ended) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.hurry = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.hurry = undefined;
        }
        const text = this.text;
        this.text = '';
        last = performance.now();
        yield text;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
