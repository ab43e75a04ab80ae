/**
 * One chat generation on one context sequence: OpenAI sampling parameters → node-llama-cpp
 * options, `response_format` → a grammar, and the usage counted in tokens.
 */
import type { LlamaChat, LlamaGrammar, LLamaChatGenerateResponseOptions } from 'node-llama-cpp';
import { PolymathError } from '../../errors.js';
import type { ChatRequest, FinishReason, Usage } from '../types.js';
import type { Engine, GrammarCache } from './engine.js';
import { toChatHistory } from './history.js';

export interface Generated {
  text: string;
  finishReason: FinishReason;
  usage: Usage;
}

/** The grammar a `response_format` asks for, or none for plain text. */
export async function grammarFor(req: ChatRequest, grammars: GrammarCache): Promise<LlamaGrammar | undefined> {
  const format = req.response_format;
  if (!format || format.type === 'text') return undefined;
  const schema = format.type === 'json_schema' ? (format.json_schema.schema ?? null) : null;
  try {
    return await grammars.get(schema);
  } catch (err) {
    throw new PolymathError('invalid_request', `response_format.json_schema.schema cannot be enforced by llama.cpp: ${(err as Error).message}`, {
      param: 'response_format',
      cause: err,
    });
  }
}

function checkSupported(req: ChatRequest): void {
  if (req.n != null && req.n > 1) throw new PolymathError('invalid_request', 'the llama-cpp provider generates one choice: n must be 1', { param: 'n' });
  if (req.tools?.length) throw new PolymathError('invalid_request', 'the llama-cpp provider does not call tools yet', { param: 'tools' });
}

/**
 * Generates an answer with `chat` (a context sequence held by the caller). `onText` receives the
 * text as it comes; stop sequences are held back until they can be told apart from text.
 */
export async function generate(
  engine: Engine,
  chat: LlamaChat,
  req: ChatRequest,
  grammar: LlamaGrammar | undefined,
  signal: AbortSignal,
  onText?: (text: string) => void,
): Promise<Generated> {
  checkSupported(req);
  const history = toChatHistory(req.messages);
  const prompt = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(engine.model.tokenizer);
  const room = engine.contextSize - prompt.length;
  if (room < 1) {
    throw new PolymathError('invalid_request', `the prompt is ${prompt.length} tokens; this model's context holds ${engine.contextSize}`, {
      param: 'messages',
      code: 'context_length_exceeded',
    });
  }
  const asked = req.max_completion_tokens ?? req.max_tokens ?? room;
  const stop = req.stop == null ? [] : Array.isArray(req.stop) ? req.stop : [req.stop];
  const frequencyPenalty = typeof req.frequency_penalty === 'number' ? req.frequency_penalty : undefined;
  const presencePenalty = typeof req.presence_penalty === 'number' ? req.presence_penalty : undefined;

  let completionTokens = 0;
  const options: LLamaChatGenerateResponseOptions = {
    signal,
    maxTokens: Math.min(asked, room),
    // OpenAI's defaults: temperature 1, top_p 1.
    temperature: req.temperature ?? 1,
    ...(req.top_p != null ? { topP: req.top_p } : {}),
    ...(req.seed != null ? { seed: req.seed } : {}),
    ...(stop.length > 0 ? { customStopTriggers: stop.filter((s) => s.length > 0) } : {}),
    ...(frequencyPenalty || presencePenalty ? { repeatPenalty: { frequencyPenalty, presencePenalty } } : {}),
    ...(grammar ? { grammar } : {}),
    onToken: (tokens) => {
      completionTokens += tokens.length;
    },
    ...(onText ? { onTextChunk: onText } : {}),
  };
  const res = await chat.generateResponse(history, options);
  return {
    text: res.response,
    finishReason: res.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
    usage: { prompt_tokens: prompt.length, completion_tokens: completionTokens, total_tokens: prompt.length + completionTokens },
  };
}
