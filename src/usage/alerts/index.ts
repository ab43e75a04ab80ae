export { AlertEngine, type AlertEvent } from './engine.js';
export { evaluate, quantileMs, type Active, type Window } from './rules.js';
export { Webhook, type WebhookOptions } from './webhook.js';
