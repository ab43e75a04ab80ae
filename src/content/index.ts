/** The learning-content engine: kinds, persona, prompts, structured generation, pedagogy checks. */
export * from './schemas/index.js';
export { personaSchema, gradeOf, describePersona, type Persona } from './persona.js';
export { checkContent, failures, type Check, type QualityReport } from './quality/index.js';
export { generateContent, MAX_ATTEMPTS, type ContentResult, type ContentUsage, type GenerateContext, type Gateway, type ProgressEvent } from './generate.js';
export { parseContentBody, contentBodySchema, contentOptionsSchema, DEFAULT_COUNT, type ContentBody, type ContentOptions, type ContentRequest } from './request.js';
export { runBatch, parseBatch, MAX_BATCH_ITEMS, MAX_BATCH_CONCURRENCY, type BatchItemOutcome } from './batch.js';
export { renderPrompt, PROMPTS_DIR } from './prompts.js';
