/**
 * Anthropic's streaming events as OpenAI chunks.
 *
 *   message_start                  → a chunk with the assistant role
 *   content_block_start (tool_use) → a tool_calls delta with the call's id and name
 *   content_block_delta text_delta → a content delta
 *   content_block_delta input_json_delta → a tool_calls arguments delta (content, for the JSON tool)
 *   message_delta                  → the chunk with finish_reason
 *   message_stop                   → the usage chunk, when the client asked for stream_options.include_usage
 *   ping, content_block_stop, thinking and unknown events → nothing
 *   error                          → a thrown PolymathError
 */
import { PolymathError } from '../../errors.js';
import { parseObject } from '../upstream-http.js';
import type { ChatChunk, StreamEvent } from '../types.js';
import { anthropicStreamError } from './errors.js';
import { finishReason, toUsage } from './translate-response.js';
import type { AnthropicMessage, AnthropicResponseBlock, AnthropicUsage } from './wire.js';

export interface StreamOptions {
  provider: string;
  /** the model asked for, until message_start names the one answering */
  model: string;
  jsonTool?: string;
  includeUsage: boolean;
}

type Delta = ChatChunk['choices'][number]['delta'];

interface BlockEvent {
  type: string;
  index?: number;
  message?: AnthropicMessage;
  content_block?: AnthropicResponseBlock;
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
}

/** Bounds the per-stream map of content blocks: a stream with more blocks than this is refused. */
const MAX_BLOCKS = 1024;

export async function* translateAnthropicStream(events: AsyncIterable<{ event?: string; data: string }>, opts: StreamOptions): AsyncGenerator<StreamEvent> {
  let id = `msg_${crypto.randomUUID().replaceAll('-', '')}`;
  let model = opts.model;
  const created = Math.floor(Date.now() / 1000);
  const usage: AnthropicUsage = {};
  /** what each content block index carries: text, a client tool call (its OpenAI index), or JSON output */
  const blocks = new Map<number, 'text' | 'json' | 'other' | number>();
  let toolCount = 0;

  const chunk = (delta: Delta | null, finish: ChatChunk['choices'][number]['finish_reason'] = null): StreamEvent => ({
    chunk: {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(opts.includeUsage ? { usage: null } : {}),
    },
  });

  for await (const sse of events) {
    if (sse.event === 'error') throw anthropicStreamError(opts.provider, sse.data);
    const e = parseObject<BlockEvent>(sse.data, opts.provider);
    switch (e.type) {
      case 'message_start':
        if (e.message) {
          id = e.message.id ?? id;
          model = e.message.model ?? model;
          Object.assign(usage, definedOnly(e.message.usage));
        }
        yield chunk({ role: 'assistant', content: '' });
        break;
      case 'content_block_start': {
        const index = e.index ?? 0;
        if (blocks.size >= MAX_BLOCKS) throw new PolymathError('upstream_invalid', `${opts.provider} sent more than ${MAX_BLOCKS} content blocks`, { provider: opts.provider });
        const block = e.content_block;
        if (block?.type === 'text') {
          blocks.set(index, 'text');
          if (block.text) yield chunk({ content: block.text });
        } else if (block?.type === 'tool_use' && block.name === opts.jsonTool) {
          blocks.set(index, 'json');
        } else if (block?.type === 'tool_use') {
          const toolIndex = toolCount++;
          blocks.set(index, toolIndex);
          yield chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] });
        } else {
          blocks.set(index, 'other');
        }
        break;
      }
      case 'content_block_delta': {
        const kind = blocks.get(e.index ?? 0);
        const d = e.delta;
        if (d?.type === 'text_delta' && d.text && kind === 'text') yield chunk({ content: d.text });
        else if (d?.type === 'input_json_delta' && d.partial_json) {
          if (kind === 'json') yield chunk({ content: d.partial_json });
          else if (typeof kind === 'number') yield chunk({ tool_calls: [{ index: kind, function: { arguments: d.partial_json } }] });
        }
        break;
      }
      case 'message_delta':
        Object.assign(usage, definedOnly(e.usage));
        if (e.delta?.stop_reason) yield chunk({}, finishReason(e.delta.stop_reason, toolCount === 0));
        break;
      case 'message_stop':
        if (opts.includeUsage) yield { chunk: { ...chunk(null).chunk, usage: toUsage(usage) } };
        return;
      case 'error':
        throw anthropicStreamError(opts.provider, sse.data);
      default:
        // ping, content_block_stop, and event types added later: nothing to send
        break;
    }
  }
}

/** message_delta's usage holds cumulative counts; a null field there does not erase a known one. */
function definedOnly(u: AnthropicUsage | undefined): AnthropicUsage {
  return Object.fromEntries(Object.entries(u ?? {}).filter(([, v]) => typeof v === 'number'));
}
