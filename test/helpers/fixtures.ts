/** Paths of the files vendored under test/fixtures/ (see test/fixtures/README.md), for tests, benchmarks and evaluations. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = (rel: string): string => fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));

/** The 260K-parameter TinyStories model that llama.cpp's own CI uses. */
export const STORIES_MODEL = fixture('models/stories260K.gguf');
/** OpenAI's published OpenAPI description, the reference for the wire format. */
export const OPENAI_SPEC = fixture('specs/openai-openapi.yaml');
/** Common K-12 school topics by subject, for the library evaluation and its sampled test. */
export const K12_TOPICS = fixture('k12-topics.json');
/** node-subtensor's runtime metadata (V14, Bittensor mainnet spec 219), for the fake subtensor node. */
export const SUBTENSOR_METADATA = fixture('subtensor/node-subtensor-spec219.metadata.scale');

/** The K-12 topic list, flattened, each with its subject. */
export function k12Topics(): Array<{ subject: string; topic: string }> {
  const { topics } = JSON.parse(readFileSync(K12_TOPICS, 'utf8')) as { topics: Record<string, string[]> };
  return Object.entries(topics).flatMap(([subject, list]) => list.map((topic) => ({ subject, topic })));
}
