/** Paths of the files vendored under test/fixtures/ (see test/fixtures/README.md), for tests, benchmarks and evaluations. */
import { fileURLToPath } from 'node:url';

const fixture = (rel: string): string => fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));

/** The 260K-parameter TinyStories model that llama.cpp's own CI uses. */
export const STORIES_MODEL = fixture('models/stories260K.gguf');
/** OpenAI's published OpenAPI description, the reference for the wire format. */
export const OPENAI_SPEC = fixture('specs/openai-openapi.yaml');
