/**
 * Structured generation: prompt → gateway path (router + executor) → extract → validate → check,
 * with up to two repair rounds that send the errors back. It never calls a provider directly.
 *
 * JSON Schema comes from the kind's zod schema. When every target of the plan has a JSON-schema
 * mode it is sent as `response_format: json_schema`; otherwise the schema goes in the prompt and
 * the JSON is extracted from the text. The intent (kind, topic, text, persona, options, schema)
 * travels beside the messages for providers that answer from it.
 */
import { PolymathError } from '../errors.js';
import type { ChatMessage, ChatRequest, ContentIntent, Usage } from '../providers/types.js';
import type { Plan } from '../routing/index.js';
import type { Runtime } from '../runtime.js';
import { partialObject } from './extract.js';
import { judge } from './judge.js';
import { describePersona } from './persona.js';
import { renderPrompt } from './prompts.js';
import type { QualityReport } from './quality/index.js';
import { DEFAULT_COUNT, type ContentRequest } from './request.js';
import { jsonSchemaOf, KINDS, strictSchemaOf, type ContentOf, type Kind } from './schemas/index.js';

/** the first answer and at most two repairs */
export const MAX_ATTEMPTS = 3;
const DEFAULT_TIMEOUT_MS = 120_000;
/** the most text kept from one streamed answer */
const MAX_ANSWER_CHARS = 400_000;

export type Gateway = Pick<Runtime, 'router' | 'executor'>;

export interface ContentUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ContentResult<K extends Kind = Kind> {
  kind: K;
  content: ContentOf<K>;
  quality: QualityReport;
  /** the provider (configured name) and upstream model that made the accepted answer */
  provider: string;
  model: string;
  /** answers asked for: 1, or 2-3 after repairs */
  attempts: number;
  /** summed over all attempts */
  usage: ContentUsage;
  /** the prompt template used, e.g. "quiz.v1" */
  prompt: string;
  route?: string;
}

export type ProgressEvent = { type: 'partial'; content: Record<string, unknown> } | { type: 'repair'; attempt: number; errors: string[] };

export interface GenerateContext {
  signal: AbortSignal;
  requestId: string;
  /** set to stream: receives partial objects of the first answer and repair notices */
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
  /** receives the quality report of every answer judged, repaired ones included (for the metrics) */
  onQuality?: (report: QualityReport) => void;
}

interface Answer {
  text: string;
  provider: string;
  model: string;
  usage?: Usage | null;
}

export async function generateContent<K extends Kind>(gw: Gateway, req: ContentRequest & { kind: K }, ctx: GenerateContext): Promise<ContentResult<K>> {
  const { kind } = req;
  const spec = KINDS[kind];
  const options = req.options ?? {};
  const schema = jsonSchemaOf(kind);
  const plan = gw.router.resolve(req.model ?? 'default');
  const nativeSchema = everyTargetHasJsonSchema(plan);
  const prompt = await renderPrompt(
    kind,
    {
      topic: req.topic,
      text: req.text,
      learner: describePersona(req.persona),
      count: options.count ?? DEFAULT_COUNT[kind],
      format: options.format ?? 'bullets',
      language: req.persona?.language ?? 'en',
      persona: req.persona ?? {},
      options,
    },
    options.prompt_version,
  );
  const messages: ChatMessage[] = [
    { role: 'system', content: `${prompt.system}\n\n${outputInstructions(schema, nativeSchema)}` },
    { role: 'user', content: prompt.user },
  ];
  const intent: ContentIntent = { kind, topic: req.topic, text: req.text, persona: req.persona, options, schema };
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(options.timeout_ms ?? DEFAULT_TIMEOUT_MS)]);
  const usage: ContentUsage = { prompt_tokens: 0, completion_tokens: 0 };
  let errors: string[] = [];
  let last: Answer | undefined;
  let previous: string | undefined;
  let attempts = 0;
  let stopReason = '';

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const body: ChatRequest = {
      model: req.model ?? 'default',
      messages: [...messages],
      temperature: options.temperature ?? spec.temperature,
      ...(options.max_tokens ? { max_tokens: options.max_tokens } : {}),
      ...(nativeSchema ? { response_format: { type: 'json_schema', json_schema: { name: kind, schema: strictSchemaOf(kind), strict: true } } } : {}),
    };
    const run = { signal, requestId: ctx.requestId, intent };
    attempts = attempt;
    const streaming = attempt === 1 && ctx.onProgress !== undefined && spec.streams;
    let answer: Answer;
    try {
      answer = await callWithDeadline(signal, () => (streaming ? streamOnce(gw, plan, body, run, ctx.onProgress!) : chatOnce(gw, plan, body, run)));
    } catch (err) {
      // A repair the model cannot take (its conversation no longer fits the context, say) leaves
      // the first answer's problems as the outcome: invalid output, not a bad request.
      if (attempt === 1 || !(err instanceof PolymathError) || err.kind !== 'invalid_request') throw err;
      stopReason = ` (the repair was refused: ${err.message})`;
      break;
    }
    last = answer;
    usage.prompt_tokens += last.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += last.usage?.completion_tokens ?? 0;
    const verdict = judge(kind, last.text, req.persona);
    if (verdict.quality) ctx.onQuality?.(verdict.quality);
    if (verdict.ok) {
      return { kind, content: verdict.content as ContentOf<K>, quality: verdict.quality, provider: last.provider, model: last.model, attempts: attempt, usage, prompt: prompt.id, ...(plan.route ? { route: plan.route } : {}) };
    }
    errors = verdict.errors;
    // A deterministic provider (the WordNet library, a script) answers a repair with the same
    // text: asking again cannot help.
    if (attempt > 1 && last.text === previous) {
      stopReason = ' (the repair returned the same answer)';
      break;
    }
    previous = last.text;
    if (attempt < MAX_ATTEMPTS) {
      messages.push({ role: 'assistant', content: last.text }, { role: 'user', content: repairMessage(errors) });
      await ctx.onProgress?.({ type: 'repair', attempt: attempt + 1, errors });
    }
  }
  throw new PolymathError(
    'invalid_output',
    `The ${kind} from ${last!.provider}/${last!.model} was still invalid after ${attempts} attempts${stopReason}: ${errors.join('; ')}`,
    { code: 'invalid_output', provider: last!.provider },
  );
}

/**
 * Whether every provider the plan may call has a JSON-schema mode. Reads the plan's leaves (the
 * routing module's view of every target an entry can expand to); routing stays the router's.
 */
function everyTargetHasJsonSchema(plan: Plan): boolean {
  const targets = plan.node.items.flatMap((item) => item.leaves);
  return targets.length > 0 && targets.every((t) => t.provider.capabilities.jsonSchema);
}

function outputInstructions(schema: Record<string, unknown>, nativeSchema: boolean): string {
  const base = 'Answer with one JSON object only: no prose, no markdown fences.';
  return nativeSchema ? base : `${base} It must match this JSON Schema exactly (every property is required):\n${JSON.stringify(schema)}`;
}

export function repairMessage(errors: readonly string[]): string {
  return `Your answer was not valid. Fix these problems and answer again with the complete corrected JSON object only:\n${errors.map((e) => `- ${e}`).join('\n')}`;
}

/** Turns the deadline's abort into a clear 504 rather than a bare AbortError. */
async function callWithDeadline<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (signal.aborted && !(err instanceof PolymathError && err.kind !== 'client_closed' && err.kind !== 'internal')) {
      const reason: unknown = signal.reason;
      if (reason instanceof PolymathError) throw reason;
      if (reason instanceof DOMException && reason.name === 'TimeoutError') throw new PolymathError('upstream_timeout', 'content generation passed its deadline (options.timeout_ms)');
    }
    throw err;
  }
}

async function chatOnce(gw: Gateway, plan: Plan, body: ChatRequest, run: { signal: AbortSignal; requestId: string; intent: ContentIntent }): Promise<Answer> {
  const out = await gw.executor.chat(plan, body, run);
  const message = out.value.body.choices?.[0]?.message;
  return { text: typeof message?.content === 'string' ? message.content : '', provider: out.target.provider.id, model: out.target.model, usage: out.value.body.usage };
}

async function streamOnce(
  gw: Gateway,
  plan: Plan,
  body: ChatRequest,
  run: { signal: AbortSignal; requestId: string; intent: ContentIntent },
  onProgress: NonNullable<GenerateContext['onProgress']>,
): Promise<Answer> {
  const out = await gw.executor.stream(plan, { ...body, stream: true, stream_options: { include_usage: true } }, run);
  const answer: Answer = { text: '', provider: out.target.provider.id, model: out.target.model };
  let shown = '';
  const take = async (chunk: (typeof out.value.head)[number]['chunk']) => {
    if (chunk.usage) answer.usage = chunk.usage;
    const delta = chunk.choices?.[0]?.delta?.content;
    if (!delta) return;
    answer.text += delta;
    if (answer.text.length > MAX_ANSWER_CHARS) throw new PolymathError('upstream_invalid', `the streamed answer passed ${MAX_ANSWER_CHARS} characters`, { provider: answer.provider });
    const partial = partialObject(answer.text);
    if (!partial) return;
    const json = JSON.stringify(partial);
    if (json === shown) return;
    shown = json;
    await onProgress({ type: 'partial', content: partial });
  };
  try {
    for (const e of out.value.head) await take(e.chunk);
    for (;;) {
      const next = await out.value.rest.next();
      if (next.done) break;
      await take(next.value.chunk);
    }
  } finally {
    await out.value.rest.return?.();
  }
  return answer;
}
