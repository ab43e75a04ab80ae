import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TurnLines } from '../src/telemetry/turn-lines.js';

/** A destination that records what reaches it (the shape of pino.destination's SonicBoom). */
function recorder() {
  const calls: string[] = [];
  const out = {
    written: [] as string[],
    write(data: string) {
      calls.push('write');
      out.written.push(data);
      return true;
    },
    flush(cb?: (err?: Error) => void) {
      calls.push('flush');
      cb?.();
    },
    flushSync() {
      calls.push('flushSync');
    },
  };
  return { out, calls, lines: new TurnLines(out as unknown as ConstructorParameters<typeof TurnLines>[0]) };
}

describe('stdout lines gathered before sonic-boom', () => {
  it('hands the lines of a short while on as one write, in order', async () => {
    const { out, lines } = recorder();
    lines.write('a\n');
    lines.write('b\n');
    lines.write('c\n');
    expect(out.written).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(out.written).toEqual(['a\nb\nc\n']);
    lines.write('d\n'); // the timer is armed again for the next lines
    await new Promise((r) => setTimeout(r, 50));
    expect(out.written).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('hands lines on at once past its bound, and on flush before the destination flushes', () => {
    const { out, calls, lines } = recorder();
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 8; i++) lines.write(line);
    expect(out.written).toEqual([line.repeat(8)]);
    lines.write('y\n');
    lines.flushSync();
    lines.write('z\n');
    let flushed = false;
    lines.flush(() => (flushed = true));
    expect(out.written).toEqual([line.repeat(8), 'y\n', 'z\n']);
    expect(calls).toEqual(['write', 'write', 'flushSync', 'write', 'flush']);
    expect(flushed).toBe(true);
  });

  it('writes the lines still waiting when the process exits at once', async () => {
    const script = `
      import { createLogger } from './src/telemetry/logger.ts';
      const logger = createLogger('info');
      for (let i = 0; i < 3; i++) logger.info({ n: i }, 'line before exit');
      process.exit(0);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 15_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { n: number; msg: string });
    expect(lines.map((l) => [l.n, l.msg])).toEqual([[0, 'line before exit'], [1, 'line before exit'], [2, 'line before exit']]);
  });
});
