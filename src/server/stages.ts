/** The request path's stages, in order. Later stages (the cache) are added here, after limits. */
import type { Runtime } from '../runtime.js';
import { authStage } from './auth.js';
import { limitStage } from './limit-stage.js';
import { cacheStage } from './cache-stage.js';
import type { RequestStage } from './pipeline.js';

export function requestStages(rt: Runtime): RequestStage[] {
  return [authStage(rt), limitStage(rt), cacheStage(rt)];
}
