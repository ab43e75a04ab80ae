/**
 * `polymath models pull <hf:org/repo/file.gguf | URL>`: downloads a GGUF file (all parts of a
 * split one) into ./models, with progress, through node-llama-cpp's downloader. `hf:` refs go to
 * Hugging Face, or to the mirror named by HF_ENDPOINT.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { USAGE_EXIT, type Command } from './types.js';

/** A download that makes no progress for this long is given up. */
const STALL_MS = 30_000;

const HF_REF = /^hf:[\w.-]+\/[\w.-]+(\/[^\s#]+\.gguf|:[\w.-]+)?(#[\w./-]+)?$/i;

export function isModelRef(ref: string): boolean {
  return HF_REF.test(ref) || /^https?:\/\/\S+$/i.test(ref);
}

/** The Hugging Face host or mirror, as node-llama-cpp picks it: MODEL_ENDPOINT, HF_ENDPOINT, else huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const url = [env.MODEL_ENDPOINT, env.HF_ENDPOINT].find((u) => u !== undefined && /^https?:\/\//i.test(u)) ?? 'https://huggingface.co/';
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * The URL a reference is fetched from: `hf:org/repo/path.gguf#branch` is the file's `resolve`
 * URL; `hf:org/repo:quant` is found through the host's API, so only the host is known here.
 */
export function resolveModelUrl(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!ref.startsWith('hf:')) return ref;
  const m = /^hf:([^/]+)\/([^/:#]+)\/([^#]+)(?:#(.+))?$/.exec(ref);
  if (!m) return hfEndpoint(env);
  const [, org, repo, file, branch] = m;
  return `${hfEndpoint(env)}${org}/${repo}/resolve/${encodeURIComponent(branch ?? 'main')}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** A quick HEAD with a deadline, so an offline machine or a wrong name fails in seconds, not retries. */
async function preflight(url: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]) });
  if (res.status === 404) throw new Error(`${url} was not found (404): check the org, repo and file name`);
  if (res.status === 401 || res.status === 403) throw new Error(`${url} needs access (${res.status}): accept the model's terms and set HF_TOKEN`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Every `code` in an error, its causes and (for AggregateError) its errors. */
function errorCodes(err: unknown, depth = 0): string[] {
  if (!(err instanceof Error) || depth > 6) return [];
  const code: unknown = (err as { code?: unknown }).code;
  const own = typeof code === 'string' ? [code] : [];
  const inner = err instanceof AggregateError ? err.errors : [];
  return [...own, ...[err.cause, ...inner].flatMap((e) => errorCodes(e, depth + 1))];
}

const OFFLINE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'STALLED']);

/** Says why a download failed in words a user can act on. */
export function describeFailure(err: unknown, url: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCodes(err).find((c) => OFFLINE.has(c)) ?? (err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : undefined);
  if (code || message === 'fetch failed') {
    const host = URL.canParse(url) ? new URL(url).host : url;
    return `cannot reach ${host} (${code ?? message}). This machine may be offline: models pull needs internet; otherwise copy the .gguf file into the models folder by hand.`;
  }
  return message;
}

async function pull(ref: string, dir: string): Promise<number> {
  const { createModelDownloader } = await import('node-llama-cpp');
  mkdirSync(dir, { recursive: true });
  const stop = new AbortController();
  let watchdog: NodeJS.Timeout | undefined;
  // Re-armed by every progress report; fires when the download has gone quiet.
  let beat = () => {};
  const stalled = new Promise<never>((_, reject) => {
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        const err = Object.assign(new Error(`no progress for ${STALL_MS / 1000} s`), { code: 'STALLED' });
        stop.abort(err);
        reject(err);
      }, STALL_MS);
    };
    arm();
    beat = arm;
  });
  const onSignal = () => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  let lastShown = -1;
  function progress(status: { totalSize: number; downloadedSize: number; averageSpeed: number }): void {
    beat();
    const pct = status.totalSize > 0 ? Math.floor((status.downloadedSize / status.totalSize) * 100) : 0;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r  ${mb(status.downloadedSize)} / ${mb(status.totalSize)}  ${pct}%  ${mb(status.averageSpeed)}/s   `);
    } else if (pct >= lastShown + 25 || pct === 100) {
      lastShown = pct;
      process.stderr.write(`  ${mb(status.downloadedSize)} / ${mb(status.totalSize)}  ${pct}%\n`);
    }
  }
  let downloader: Awaited<ReturnType<typeof createModelDownloader>> | undefined;
  try {
    await preflight(resolveModelUrl(ref), stop.signal);
    const tokens = process.env.HF_TOKEN ? { huggingFace: process.env.HF_TOKEN } : undefined;
    downloader = await Promise.race([createModelDownloader({ modelUri: ref, dirPath: dir, onProgress: progress, skipExisting: true, tokens }), stalled]);
    process.stderr.write(`polymath: downloading ${ref}${downloader.totalSize > 0 ? ` (${mb(downloader.totalSize)})` : ''} into ${dir}\n`);
    const path = await Promise.race([downloader.download({ signal: stop.signal }), stalled]);
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`${path}\n`);
    return 0;
  } catch (err) {
    await downloader?.cancel().catch(() => undefined);
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}polymath: could not download ${ref}: ${describeFailure(stop.signal.reason ?? err, resolveModelUrl(ref))}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    stalled.catch(() => undefined);
    process.off('SIGINT', onSignal);
  }
}

export const models: Command = {
  usage: 'models pull <hf:org/repo/file.gguf | URL> [--dir DIR]',
  summary: 'download a GGUF model file for the llama-cpp provider (into ./models)',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { dir: { type: 'string', short: 'd' } } });
    const [action, ref, ...extra] = positionals;
    if (action !== 'pull' || ref === undefined || extra.length > 0) {
      process.stderr.write(`polymath: usage: polymath ${models.usage}\n`);
      return USAGE_EXIT;
    }
    if (!isModelRef(ref)) {
      process.stderr.write(`polymath: "${ref}" is not a model reference: use hf:<org>/<repo>/<file>.gguf, hf:<org>/<repo>:<quant>, or an http(s) URL of a .gguf file\n`);
      return USAGE_EXIT;
    }
    return pull(ref, resolve(values.dir ?? 'models'));
  },
};
