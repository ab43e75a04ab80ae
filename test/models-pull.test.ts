/**
 * `polymath models pull`, run as a real CLI process. This machine has no internet, so the
 * downloads go to a local server standing in for Hugging Face (HF_ENDPOINT names a mirror, as
 * with huggingface_hub) and the offline errors are met for real.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelUrl } from '../src/commands/models.js';

import { STORIES_MODEL as MODEL } from './helpers/fixtures.js';
const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const bytes = readFileSync(MODEL);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Server;
let base: string;
const seen: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'polymath-pull-'));
  // Serves the model at Hugging Face's resolve path, with HEAD and byte ranges as the real host does.
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(`${req.method} ${path}`);
    if (path !== '/org/repo/resolve/main/stories260K.gguf' && path !== '/files/stories260K.gguf') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Number(range[2]) : bytes.length - 1;
    const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
    if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
    else res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function polymath(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('polymath models pull', () => {
  it('resolves hf: refs to the file URL on Hugging Face or the HF_ENDPOINT mirror', () => {
    expect(resolveModelUrl('hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf', {})).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    );
    expect(resolveModelUrl('hf:org/repo/sub/dir/m.gguf#v2', { HF_ENDPOINT: 'http://mirror.local:8080' })).toBe('http://mirror.local:8080/org/repo/resolve/v2/sub/dir/m.gguf');
    expect(resolveModelUrl('https://example.com/m.gguf', {})).toBe('https://example.com/m.gguf');
  });

  it('downloads an hf: ref into --dir and prints its path', async () => {
    const out = await polymath(['models', 'pull', 'hf:org/repo/stories260K.gguf', '--dir', dir], { HF_ENDPOINT: base });
    expect(out.stderr).toContain('downloading');
    expect(out.code).toBe(0);
    const path = out.stdout.trim();
    // node-llama-cpp names hf: downloads after their repo, so two repos' model.gguf never collide
    expect(path).toBe(join(dir, 'hf_org_repo_stories260K.gguf'));
    expect(sha256(readFileSync(path))).toBe(sha256(bytes));
    expect(seen.some((s) => s.endsWith(' /org/repo/resolve/main/stories260K.gguf'))).toBe(true);
  });

  it('downloads a plain URL', async () => {
    const sub = join(dir, 'url');
    const out = await polymath(['models', 'pull', `${base}/files/stories260K.gguf`, '--dir', sub]);
    expect(out.code).toBe(0);
    expect(sha256(readFileSync(join(sub, 'stories260K.gguf')))).toBe(sha256(bytes));
  });

  it('fails fast with a clear message when the host cannot be reached', async () => {
    const port = await closedPort();
    const url = await polymath(['models', 'pull', `http://127.0.0.1:${port}/m.gguf`, '--dir', dir]);
    expect(url.code).toBe(1);
    expect(url.stderr).toMatch(/cannot reach 127\.0\.0\.1:\d+ .*offline/);
    const hf = await polymath(['models', 'pull', 'hf:org/repo/m.gguf', '--dir', dir], { HF_ENDPOINT: `http://127.0.0.1:${port}/` });
    expect(hf.code).toBe(1);
    expect(hf.stderr).toMatch(/cannot reach .*offline/);
  });

  it('says when the file does not exist', async () => {
    const out = await polymath(['models', 'pull', 'hf:org/repo/missing.gguf', '--dir', dir], { HF_ENDPOINT: base });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/not found \(404\)/);
  });

  it('rejects what is not a model reference with usage exit code 2', async () => {
    const bad = await polymath(['models', 'pull', 'stories.gguf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a model reference/);
    const none = await polymath(['models']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: polymath models pull/);
  });
});
