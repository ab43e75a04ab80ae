/**
 * OpenAI chat messages → node-llama-cpp's chat history, which the model's chat wrapper (its own
 * template, or a Llama 2 style fallback) renders into the prompt.
 */
import type { ChatHistoryItem } from 'node-llama-cpp';
import { PolymathError } from '../../errors.js';
import type { ChatMessage } from '../types.js';

/** The text of a message: a string, or the text parts of a content array. */
function textOf(msg: ChatMessage, index: number): string {
  const content = msg.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      throw new PolymathError('invalid_request', `messages[${index}]: the llama-cpp provider reads text only, not "${String(part.type)}" parts`, {
        param: `messages.${index}.content`,
      });
    })
    .join('');
}

/** The history to generate from, ending with the empty model turn the answer fills. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((msg, i): ChatHistoryItem => {
    const text = textOf(msg, i);
    switch (msg.role) {
      case 'system':
      case 'developer':
        return { type: 'system', text };
      case 'assistant':
        return { type: 'model', response: [text] };
      case 'tool':
      case 'function':
        // A local model has no tool-result turn of its own: it reads the result as user text.
        return { type: 'user', text: `Result of ${msg.name ?? msg.tool_call_id ?? 'the tool'}:\n${text}` };
      default:
        return { type: 'user', text };
    }
  });
  history.push({ type: 'model', response: [] });
  return history;
}
