/** Creating, reading and changing learners. */
import type { Persona } from '../content/index.js';
import { PolymathError } from '../errors.js';
import { getLearner, insertLearner, isUniqueViolation, updateLearner, type LearnerRecord } from '../store/learning/index.js';
import { nowOf, type LearningDeps } from './deps.js';
import { newId } from './ids.js';
import { createLearnerSchema, parseBody, patchLearnerSchema } from './requests.js';

export async function createLearner(deps: LearningDeps, body: unknown): Promise<LearnerRecord> {
  const b = parseBody(createLearnerSchema, body);
  const now = nowOf(deps);
  const learner: LearnerRecord = { id: b.id ?? newId('lrn'), name: b.name ?? null, persona: b.persona, subjects: b.subjects ?? [], created_at: now, updated_at: now };
  try {
    await insertLearner(deps.store.db, learner);
  } catch (err) {
    if (isUniqueViolation(err)) throw new PolymathError('conflict', `A learner with id "${learner.id}" already exists.`, { param: 'id', code: 'learner_exists' });
    throw err;
  }
  return learner;
}

export async function requireLearner(deps: LearningDeps, id: string): Promise<LearnerRecord & { persona: Persona }> {
  const learner = await getLearner(deps.store.db, id);
  if (!learner) throw new PolymathError('not_found', `No learner "${id}".`, { code: 'learner_not_found' });
  return learner as LearnerRecord & { persona: Persona };
}

export async function patchLearner(deps: LearningDeps, id: string, body: unknown): Promise<LearnerRecord> {
  const b = parseBody(patchLearnerSchema, body);
  await requireLearner(deps, id);
  await updateLearner(deps.store.db, id, b, nowOf(deps));
  return requireLearner(deps, id);
}
