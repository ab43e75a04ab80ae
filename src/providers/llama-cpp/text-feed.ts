/**
 * Text pushed by a callback (node-llama-cpp's onTextChunk) read as an async iterable. Text that
 * arrives while the reader is busy is joined into one piece, so the buffer holds at most the
 * text of one generation (itself bounded by max_tokens and the context size), never a backlog of
 * events.
 */
export class TextFeed implements AsyncIterable<string> {
  private text = '';
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(text: string): void {
    this.text += text;
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      if (this.text) {
        const text = this.text;
        this.text = '';
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
