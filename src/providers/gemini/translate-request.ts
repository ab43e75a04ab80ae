/**
 * An OpenAI chat request as a Gemini generateContent request.
 *
 * - roles: user → `user`, assistant → `model`; system and developer messages join into
 *   `systemInstruction`; a tool message becomes a `functionResponse` part of a user turn, named
 *   after the assistant tool call it answers. Consecutive turns of one role merge into one.
 * - images are sent inline (`inlineData`) from data: URLs; Gemini cannot fetch an http URL itself.
 * - `generationConfig`: temperature, topP, maxOutputTokens, stopSequences, candidateCount (n),
 *   seed, presence/frequency penalties; JSON output sets `responseMimeType: application/json`
 *   and, for json_schema, `responseJsonSchema` (standard JSON Schema, as OpenAI's).
 * - tools become `functionDeclarations` with `parametersJsonSchema`; tool_choice becomes
 *   `toolConfig.functionCallingConfig` (auto AUTO, none NONE, required ANY, a function ANY with
 *   that one name allowed).
 */
import { PolymathError } from '../../errors.js';
import { contentParts, functionTools, jsonOutput, maxTokensOf, parseToolArguments, stopList, textOnly, toolChoiceOf } from '../chat-parts.js';
import type { ChatMessage, ChatRequest } from '../types.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest } from './wire.js';

export function toGeminiRequest(req: ChatRequest, provider: string): GeminiRequest {
  const { system, contents } = translateMessages(req.messages, provider);
  if (contents.length === 0) {
    throw new PolymathError('invalid_request', 'messages must hold at least one user or assistant message besides the system prompt', { param: 'messages' });
  }
  const body: GeminiRequest = { contents };
  if (system) body.systemInstruction = { parts: [{ text: system }] };
  const generationConfig = generationConfigOf(req);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

  const tools = functionTools(req, provider);
  if (tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: tools.map((t) => ({
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          ...(t.parameters ? { parametersJsonSchema: t.parameters } : {}),
        })),
      },
    ];
  }
  const choice = toolChoiceOf(req);
  if (choice) {
    body.toolConfig = {
      functionCallingConfig:
        choice.mode === 'function'
          ? { mode: 'ANY', allowedFunctionNames: [choice.name] }
          : { mode: choice.mode === 'auto' ? 'AUTO' : choice.mode === 'none' ? 'NONE' : 'ANY' },
    };
  }
  return body;
}

function generationConfigOf(req: ChatRequest): GeminiGenerationConfig {
  const g: GeminiGenerationConfig = {};
  if (req.temperature != null) g.temperature = req.temperature;
  if (req.top_p != null) g.topP = req.top_p;
  const maxTokens = maxTokensOf(req);
  if (maxTokens !== undefined) g.maxOutputTokens = maxTokens;
  const stop = stopList(req.stop);
  if (stop) g.stopSequences = stop;
  if (req.n != null && req.n !== 1) g.candidateCount = req.n;
  if (req.seed != null) g.seed = req.seed;
  if (typeof req.presence_penalty === 'number') g.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') g.frequencyPenalty = req.frequency_penalty;
  const json = jsonOutput(req);
  if (json) {
    g.responseMimeType = 'application/json';
    if (json.schema) g.responseJsonSchema = json.schema;
  }
  return g;
}

function translateMessages(messages: readonly ChatMessage[], provider: string): { system: string; contents: GeminiContent[] } {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  /** tool call id → function name, from the assistant messages so far (a tool answer needs the name) */
  const callNames = new Map<string, string>();
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOnly(m, i, provider));
        return;
      case 'user':
        return push('user', userParts(m, i, provider));
      case 'assistant': {
        const text = textOnly(m, i, provider);
        const parts: GeminiPart[] = text ? [{ text }] : [];
        for (const call of m.tool_calls ?? []) {
          callNames.set(call.id, call.function.name);
          parts.push({ functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, i) } });
        }
        return push('model', parts);
      }
      case 'tool': {
        const name = typeof m.tool_call_id === 'string' ? callNames.get(m.tool_call_id) : undefined;
        if (!name) {
          throw new PolymathError('invalid_request', `messages[${i}]: tool_call_id must name a tool call of an earlier assistant message`, { param: `messages.${i}.tool_call_id` });
        }
        return push('user', [{ functionResponse: { name, response: toolResponse(textOnly(m, i, provider)) } }]);
      }
      default:
        throw new PolymathError('invalid_request', `messages[${i}]: role "${m.role}" is not supported; use tools and tool messages`, { param: `messages.${i}.role` });
    }
  });
  return { system: system.filter((s) => s.length > 0).join('\n\n'), contents };
}

function userParts(m: ChatMessage, i: number, provider: string): GeminiPart[] {
  return contentParts(m, i, provider).map((p, j): GeminiPart => {
    if (p.type === 'text') return { text: p.text };
    if (p.data) return { inlineData: { mimeType: p.data.mediaType, data: p.data.base64 } };
    throw new PolymathError('invalid_request', `messages[${i}].content[${j}]: ${provider} (Gemini) takes images as data: URLs (base64), not links`, {
      param: `messages.${i}.content.${j}`,
    });
  });
}

/** Gemini wants an object as a function's response: a JSON object as it is, anything else wrapped. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { content: text };
}
