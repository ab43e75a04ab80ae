/**
 * Reading an OpenAI chat request the way every translating provider (Anthropic, Gemini) needs:
 * a message's parts (text and images), tool-call arguments, stop sequences, and the JSON output
 * the client asked for. Anything a provider cannot carry is a clear invalid_request.
 */
import { PolymathError } from '../errors.js';
import type { ChatMessage, ChatRequest } from './types.js';

export type ContentPart = { type: 'text'; text: string } | { type: 'image'; url: string; data?: { mediaType: string; base64: string } };

/** The parts of a message's content, in order: text, and images by URL or inline data URL. */
export function contentParts(message: ChatMessage, index: number, provider: string): ContentPart[] {
  const c = message.content;
  if (c === undefined || c === null) return [];
  if (typeof c === 'string') return [{ type: 'text', text: c }];
  return c.map((part, j) => {
    if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (part.type === 'image_url') {
      const image = part.image_url as { url?: unknown } | string | undefined;
      const url = typeof image === 'string' ? image : image?.url;
      if (typeof url !== 'string' || url.length === 0) throw badPart(index, j, 'an image_url part needs image_url.url');
      const data = parseDataUrl(url);
      return data ? { type: 'image', url, data } : { type: 'image', url };
    }
    throw badPart(index, j, `${provider} takes text and image_url parts, not "${String(part.type)}"`);
  });
}

/** The text of a message whose parts must all be text (system prompts, tool results). */
export function textOnly(message: ChatMessage, index: number, provider: string): string {
  return contentParts(message, index, provider)
    .map((p, j) => {
      if (p.type !== 'text') throw badPart(index, j, `a ${message.role} message takes text only`);
      return p.text;
    })
    .join('');
}

/** `data:<media type>;base64,<data>` split in two; undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const m = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1], base64: m[2] } : undefined;
}

/** A tool call's `arguments` string as the object the upstream wants. */
export function parseToolArguments(args: string, index: number): Record<string, unknown> {
  if (args.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    throw new PolymathError('invalid_request', `messages[${index}].tool_calls: arguments are not valid JSON`, { param: `messages.${index}.tool_calls` });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolymathError('invalid_request', `messages[${index}].tool_calls: arguments must be a JSON object`, { param: `messages.${index}.tool_calls` });
  }
  return value as Record<string, unknown>;
}

export function stopList(stop: ChatRequest['stop']): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  return list.length > 0 ? list : undefined;
}

export function maxTokensOf(req: ChatRequest): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined;
}

export interface JsonOutput {
  /** a name for the output (json_schema.name, or `json_output` for json_object) */
  name: string;
  description?: string;
  /** the JSON Schema, absent for json_object */
  schema?: Record<string, unknown>;
}

/** The JSON output the request asks for through `response_format`, if any. */
export function jsonOutput(req: ChatRequest): JsonOutput | undefined {
  const rf = req.response_format;
  if (!rf || rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return { name: 'json_output' };
  return { name: rf.json_schema.name, description: rf.json_schema.description, schema: rf.json_schema.schema };
}

/** OpenAI function tools as {name, description, parameters}; other tool types are refused. */
export function functionTools(req: ChatRequest, provider: string): Array<{ name: string; description?: string; parameters?: Record<string, unknown> }> {
  return (req.tools ?? []).map((tool, i) => {
    const fn = tool.function as { name?: unknown; description?: unknown; parameters?: unknown } | undefined;
    if (tool.type !== 'function' || !fn || typeof fn.name !== 'string') {
      throw new PolymathError('invalid_request', `tools[${i}]: ${provider} takes function tools with a name`, { param: `tools.${i}` });
    }
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      ...(fn.parameters && typeof fn.parameters === 'object' ? { parameters: fn.parameters as Record<string, unknown> } : {}),
    };
  });
}

/** OpenAI's tool_choice read into one shape: auto, none, required, or one named function. */
export type ToolChoice = { mode: 'auto' | 'none' | 'required' } | { mode: 'function'; name: string };

export function toolChoiceOf(req: ChatRequest): ToolChoice | undefined {
  const tc = req.tool_choice;
  if (tc === undefined || tc === null) return undefined;
  if (tc === 'auto' || tc === 'none' || tc === 'required') return { mode: tc };
  const name = (tc as { function?: { name?: unknown } }).function?.name;
  if (typeof name === 'string') return { mode: 'function', name };
  throw new PolymathError('invalid_request', 'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}', { param: 'tool_choice' });
}

function badPart(message: number, part: number, reason: string): PolymathError {
  return new PolymathError('invalid_request', `messages[${message}].content[${part}]: ${reason}`, { param: `messages.${message}.content.${part}` });
}
