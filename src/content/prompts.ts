/**
 * Prompt templates, one file per kind and version: prompts/<kind>.v<N>.md, read at run time so
 * they can be edited without a code change or a restart. The newest version is used unless the
 * request asks for another.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PolymathError } from '../errors.js';
import type { Kind } from './schemas/index.js';
import { render, splitParts, type Vars } from './template.js';

/** prompts/ at the package root, from both src/content/ and dist/content/ */
export const PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));

export interface RenderedPrompt {
  system: string;
  user: string;
  /** e.g. "quiz.v1" */
  id: string;
}

async function versionsOf(kind: Kind, dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const re = new RegExp(`^${kind}\\.v(\\d+)\\.md$`);
  return names.flatMap((n) => {
    const m = re.exec(n);
    return m ? [Number(m[1])] : [];
  });
}

export async function renderPrompt(kind: Kind, vars: Vars, version?: number, dir = PROMPTS_DIR): Promise<RenderedPrompt> {
  const versions = await versionsOf(kind, dir);
  const chosen = version ?? Math.max(...versions);
  if (!versions.includes(chosen)) {
    throw new PolymathError(
      version === undefined ? 'internal' : 'invalid_request',
      version === undefined ? `no prompt template for "${kind}" in ${dir}` : `no prompt version ${version} for "${kind}" (have: ${versions.join(', ') || 'none'})`,
      { param: 'options.prompt_version' },
    );
  }
  const id = `${kind}.v${chosen}`;
  const { system, user } = splitParts(await readFile(`${dir}${id}.md`, 'utf8'));
  return { id, system: render(system, vars), user: render(user, vars) };
}
