/**
 * An OpenAI chat request as an Anthropic Messages request.
 *
 * - system and developer messages join into `system`; tool messages become `tool_result` blocks
 *   of a user turn; consecutive turns of one role merge into one (Anthropic wants them alternating).
 * - `max_tokens` is required by Anthropic: the request's, else the provider's default.
 * - temperature is clamped to Anthropic's 0..1; when both temperature and top_p are set only
 *   temperature is sent (recent Claude models refuse both at once). `seed` has no equivalent.
 * - JSON output (`response_format` json_object or json_schema) is a forced tool whose
 *   `input_schema` is the schema: Claude must answer by "calling" it, and the tool's input comes
 *   back as the message content. With tools of the client's own, the JSON tool joins them and
 *   the choice is `any`, so the answer is a tool call or the JSON, never free text.
 */
import { PolymathError } from '../../errors.js';
import { contentParts, functionTools, jsonOutput, maxTokensOf, parseToolArguments, stopList, textOnly, toolChoiceOf } from '../chat-parts.js';
import type { ChatRequest } from '../types.js';
import type { AnthropicBlock, AnthropicMessageParam, AnthropicRequest, AnthropicTool, AnthropicToolChoice } from './wire.js';

export interface TranslateOptions {
  provider: string;
  model: string;
  defaultMaxTokens: number;
  stream: boolean;
}

export interface TranslatedRequest {
  body: AnthropicRequest;
  /** the name of the tool that carries JSON output, when the request asked for JSON */
  jsonTool?: string;
}

export function toAnthropicRequest(req: ChatRequest, opts: TranslateOptions): TranslatedRequest {
  if (req.n != null && req.n > 1) {
    throw new PolymathError('invalid_request', `${opts.provider} (Anthropic) answers one choice per request; n must be 1`, { param: 'n' });
  }
  const { system, messages } = translateMessages(req, opts.provider);
  if (messages.length === 0) {
    throw new PolymathError('invalid_request', 'messages must hold at least one user or assistant message besides the system prompt', { param: 'messages' });
  }
  const body: AnthropicRequest = {
    model: opts.model,
    max_tokens: maxTokensOf(req) ?? opts.defaultMaxTokens,
    messages,
    ...(system ? { system } : {}),
  };
  if (req.temperature != null) body.temperature = Math.min(req.temperature, 1);
  else if (req.top_p != null) body.top_p = req.top_p;
  const stop = stopList(req.stop);
  if (stop) body.stop_sequences = stop;
  if (typeof req.user === 'string' && req.user) body.metadata = { user_id: req.user };
  if (opts.stream) body.stream = true;

  const jsonTool = addTools(req, body, opts.provider);
  return { body, ...(jsonTool ? { jsonTool } : {}) };
}

function translateMessages(req: ChatRequest, provider: string): { system: string; messages: AnthropicMessageParam[] } {
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  req.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOnly(m, i, provider));
        return;
      case 'user':
        return push('user', userBlocks(m, i, provider));
      case 'assistant':
        return push('assistant', assistantBlocks(m, i, provider));
      case 'tool':
        if (typeof m.tool_call_id !== 'string' || !m.tool_call_id) {
          throw new PolymathError('invalid_request', `messages[${i}]: a tool message needs tool_call_id`, { param: `messages.${i}.tool_call_id` });
        }
        return push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOnly(m, i, provider) }]);
      default:
        throw new PolymathError('invalid_request', `messages[${i}]: role "${m.role}" is not supported; use tools and tool messages`, { param: `messages.${i}.role` });
    }
  });
  return { system: system.filter((s) => s.length > 0).join('\n\n'), messages };
}

function userBlocks(m: ChatRequest['messages'][number], i: number, provider: string): AnthropicBlock[] {
  return contentParts(m, i, provider).map((p): AnthropicBlock => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    if (p.data) return { type: 'image', source: { type: 'base64', media_type: p.data.mediaType, data: p.data.base64 } };
    return { type: 'image', source: { type: 'url', url: p.url } };
  });
}

function assistantBlocks(m: ChatRequest['messages'][number], i: number, provider: string): AnthropicBlock[] {
  const text = textOnly(m, i, provider);
  const blocks: AnthropicBlock[] = text ? [{ type: 'text', text }] : [];
  for (const call of m.tool_calls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, i) });
  }
  return blocks;
}

/** Sets tools and tool_choice; answers the JSON tool's name when the request wants JSON. */
function addTools(req: ChatRequest, body: AnthropicRequest, provider: string): string | undefined {
  const tools: AnthropicTool[] = functionTools(req, provider).map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.parameters ?? { type: 'object', properties: {} },
  }));
  const choice = toolChoiceOf(req);
  const json = jsonOutput(req);
  let toolChoice: AnthropicToolChoice | undefined;
  if (choice?.mode === 'auto') toolChoice = { type: 'auto' };
  else if (choice?.mode === 'none') toolChoice = { type: 'none' };
  else if (choice?.mode === 'required') toolChoice = { type: 'any' };
  else if (choice?.mode === 'function') toolChoice = { type: 'tool', name: choice.name };

  if (json) {
    const schema = json.schema ?? { type: 'object' };
    if (schema.type !== undefined && schema.type !== 'object') {
      throw new PolymathError('invalid_request', `${provider} (Anthropic) returns JSON through a tool, whose schema must be an object at the root`, { param: 'response_format' });
    }
    if (tools.some((t) => t.name === json.name)) {
      throw new PolymathError('invalid_request', `response_format's name "${json.name}" is also the name of a tool; rename one`, { param: 'response_format' });
    }
    tools.push({ name: json.name, description: json.description ?? 'Give the answer as the input of this tool, as JSON that matches its schema.', input_schema: schema });
    if (tools.length === 1 || choice?.mode === 'none') toolChoice = { type: 'tool', name: json.name };
    else if (choice === undefined || choice.mode === 'auto') toolChoice = { type: 'any' };
  }
  if (tools.length === 0) return undefined;
  body.tools = tools;
  if (req.parallel_tool_calls === false) toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  if (toolChoice) body.tool_choice = toolChoice;
  return json?.name;
}
