/**
 * The provider seam. OpenAI's chat-completions shapes are the lingua franca: an OpenAI-compatible
 * upstream passes its bytes through untouched (`raw`), every other provider translates to and
 * from these shapes in its own file.
 */

import type { Signal } from '../abort.js';

/** A chat message as OpenAI sends it; fields we do not read pass through as they are. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  // Wire boundary: content is a string, an array of typed parts, or null.
  content?: string | null | Array<Record<string, unknown>>;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [field: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The body of POST /v1/chat/completions. Unknown fields are kept and forwarded. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  n?: number | null;
  user?: string;
  tools?: Array<Record<string, unknown>>;
  tool_choice?: unknown;
  response_format?: ResponseFormat;
  [field: string]: unknown;
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; description?: string } };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal?: string | null; tool_calls?: ToolCall[]; [f: string]: unknown };
    finish_reason: FinishReason | null;
    logprobs: unknown;
  }>;
  usage?: Usage;
  system_fingerprint?: string;
  [field: string]: unknown;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; refusal?: string | null; tool_calls?: Array<Record<string, unknown>>; [f: string]: unknown };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: Usage | null;
  [field: string]: unknown;
}

/** A completed chat call. `raw` is the exact OpenAI-format JSON text when the upstream sent it. */
export interface ChatResult {
  body: ChatCompletion;
  raw?: string;
}

/** One streamed chunk. `raw` is the exact JSON text of the SSE `data:` line when the upstream sent it. */
export interface StreamEvent {
  chunk: ChatChunk;
  raw?: string;
}

export interface EmbedRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [field: string]: unknown;
}

export interface EmbedResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface EmbedResult {
  body: EmbedResponse;
  raw?: string;
}

/**
 * What a content request wants, beside its messages, so a provider that does not read prose
 * (the WordNet library, a miner's script) can answer from the intent itself.
 */
export interface ContentIntent {
  kind: string;
  topic?: string;
  text?: string;
  persona?: Record<string, unknown>;
  options?: Record<string, unknown>;
  /** JSON Schema the answer must match */
  schema?: Record<string, unknown>;
}

/** Everything a provider needs for one call besides the body. */
export interface CallContext {
  /** aborted when the client leaves or the deadline passes; `abortSignal(signal)` where a library needs an AbortSignal */
  signal: Signal;
  /** the upstream model name (the route or `provider/` prefix already resolved) */
  model: string;
  requestId: string;
  intent?: ContentIntent;
}

/** How the answer is made: the network layer pays rewards by it. */
export type GenerationMode = 'local' | 'api' | 'custom';

export interface ProviderCapabilities {
  jsonSchema: boolean;
  embeddings: boolean;
  streaming: boolean;
}

export interface Provider {
  /** the configured name, e.g. `openrouter` */
  readonly id: string;
  /** the wire protocol, e.g. `openai-compatible` */
  readonly type: string;
  readonly mode: GenerationMode;
  readonly capabilities: ProviderCapabilities;
  /** the model used when a target names none */
  readonly defaultModel?: string;
  /** models this provider is configured to serve, listed by GET /v1/models */
  readonly models: readonly string[];

  chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult>;
  stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent>;
  embed?(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult>;
  health?(signal: AbortSignal): Promise<boolean>;
  /** loads models, warms up; called once at start */
  start?(): Promise<void>;
  close?(): Promise<void>;
}
