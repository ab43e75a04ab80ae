/** The zod schema of polymath.yaml. Defaults here are the defaults of the whole service. */
import { z } from 'zod';
import { learningSchema } from './learning.js';
import { providerSchema } from './providers.js';
import { minerSchema, networkSchema } from './network.js';
import { cacheSchema } from './cache.js';
import { alertsSchema } from './alerts.js';
import { authSchema, budgetsSchema, pricingSchema, stateSchema } from './usage.js';
import { validatorSchema } from './validator.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names use letters, digits, ".", "_" and "-"');

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8787),
    /** largest request body accepted, in bytes (413 past it) */
    body_limit_bytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** requests served at once before new ones get 503 */
    max_in_flight: z.number().int().positive().default(1024),
    /** on shutdown, how long requests in flight may take to finish before their connections close */
    shutdown_grace_ms: z.number().int().nonnegative().default(10_000),
    /** how long a client may take to send a whole request, headers and body (408 past it) */
    request_timeout_ms: z.number().int().min(100).default(60_000),
  })
  .prefault({});

const storeSchema = z
  .object({
    url: z.string().min(1).default('sqlite://./data/polymath.db'),
    /** request records written per batch, and the most kept waiting */
    batch_size: z.number().int().positive().default(200),
    flush_ms: z.number().int().positive().default(250),
    max_pending: z.number().int().positive().default(10_000),
  })
  .prefault({});

const ERROR_KINDS = [
  'upstream_error', 'upstream_invalid', 'upstream_timeout', 'upstream_unreachable', 'rate_limited', 'queue_full', 'no_healthy_target', 'not_found',
  'invalid_request', 'unauthorized', 'model_not_found', 'invalid_output', 'budget_exceeded', 'no_provider', 'internal',
] as const;

/** One condition of a conditional target: a plain value means "equals". */
const conditionSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z
    .object({
      eq: z.union([z.string(), z.number(), z.boolean()]).optional(),
      ne: z.union([z.string(), z.number(), z.boolean()]).optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
      gt: z.number().optional(),
      gte: z.number().optional(),
      in: z.array(z.union([z.string(), z.number()])).optional(),
      matches: z.string().optional(),
      exists: z.boolean().optional(),
    })
    .strict(),
]);

const targetSchema = z
  .object({
    provider: name.optional(),
    /** another route, whose targets take this target's place */
    route: name.optional(),
    model: z.string().min(1).optional(),
    /** share of traffic under strategy `weighted` */
    weight: z.number().min(0).default(1),
    /** the target is used only while this flag is on (config `flags:` or the environment) */
    flag: z.string().min(1).optional(),
    /** under strategy `conditional`: every key must match the request (`metadata.grade`, `headers.x-polymath-tier`, `user`, `params.temperature`, `kind`, `grade`) */
    when: z.record(z.string().min(1), conditionSchema).optional(),
  })
  .strict()
  .refine((t) => (t.provider === undefined) !== (t.route === undefined), { message: 'a target names exactly one of `provider` or `route`' })
  .refine((t) => t.route === undefined || t.model === undefined, { message: '`model` belongs to a provider target, not a route target', path: ['model'] });

const timeoutSchema = z
  .object({
    /** until the upstream starts answering (the first streamed event) */
    connect_ms: z.number().int().positive().optional(),
    /** until the first content of a stream */
    first_token_ms: z.number().int().positive().optional(),
    /** the whole call, stream included */
    total_ms: z.number().int().positive().optional(),
  })
  .strict();

const routeSchema = z
  .object({
    strategy: z.enum(['fallback', 'weighted', 'conditional', 'fastest', 'least-busy']).default('fallback'),
    /** weighted: keep one user (body `user`) or one API key on one target */
    sticky: z.enum(['user', 'key', 'none']).default('none'),
    retry: z
      .object({
        /** calls this route may make for one request, retries and fallbacks together (default: each target once) */
        attempts: z.number().int().min(1).max(20).optional(),
        base_ms: z.number().int().min(0).default(100),
        max_ms: z.number().int().min(0).default(5_000),
        /** a Retry-After longer than this is not waited for: the error goes back to the client */
        max_retry_after_ms: z.number().int().min(0).default(10_000),
      })
      .strict()
      .prefault({}),
    timeout: timeoutSchema.optional(),
    hedge: z.union([z.object({ after_ms: z.number().int().min(0) }).strict(), z.object({ after: z.literal('p95'), after_ms: z.number().int().min(0).optional() }).strict()]).optional(),
    /** which failures move on to the next target */
    fallback_on: z
      .object({
        kinds: z.array(z.enum(ERROR_KINDS)).default(['upstream_error', 'upstream_invalid', 'upstream_timeout', 'upstream_unreachable', 'rate_limited', 'queue_full', 'no_healthy_target', 'not_found']),
        /** upstream HTTP statuses (for kind upstream_error) that move on; "5xx" and "4xx" match a class */
        statuses: z.array(z.union([z.number().int().min(100).max(599), z.enum(['4xx', '5xx'])])).default([408, 409, 429, '5xx']),
      })
      .strict()
      .prefault({}),
    targets: z.array(targetSchema).min(1),
  })
  .strict();

const routingSchema = z
  .object({
    breaker: z
      .object({
        /** consecutive failures that open a target's circuit */
        failures: z.number().int().min(1).default(5),
        /** how long an open circuit waits before one probe call */
        half_open_after_ms: z.number().int().min(1).default(10_000),
      })
      .prefault({}),
    /** active health checks of providers that have one; 0 turns them off */
    health_interval_ms: z.number().int().min(0).default(30_000),
    health_timeout_ms: z.number().int().positive().default(5_000),
  })
  .prefault({});

export const configSchema = z
  .object({
    server: serverSchema,
    store: storeSchema,
    logging: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    providers: z.record(name, providerSchema).default({}),
    routes: z.record(name, routeSchema).default({}),
    routing: routingSchema,
    flags: z.record(z.string(), z.boolean()).default({}),
    network: networkSchema.optional(),
    miner: minerSchema.optional(),
    learning: learningSchema,
    cache: cacheSchema,
    alerts: alertsSchema,
    auth: authSchema, pricing: pricingSchema, budgets: budgetsSchema, state: stateSchema,
    validator: validatorSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    for (const [routeName, route] of Object.entries(cfg.routes)) {
      route.targets.forEach((t, i) => {
        const at = ['routes', routeName, 'targets', i];
        if (t.provider !== undefined && !(t.provider in cfg.providers)) ctx.addIssue({ code: 'custom', path: [...at, 'provider'], message: `unknown provider "${t.provider}"` });
        if (t.route !== undefined && !(t.route in cfg.routes)) ctx.addIssue({ code: 'custom', path: [...at, 'route'], message: `unknown route "${t.route}"` });
        if (t.when !== undefined && route.strategy !== 'conditional') ctx.addIssue({ code: 'custom', path: [...at, 'when'], message: '`when` is read only by strategy conditional' });
      });
    }
    const cycle = findRouteCycle(cfg.routes);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['routes', cycle[0]], message: `routes form a cycle: ${cycle.join(' -> ')}` });
  });

/** The first cycle among routes that name each other as targets, as a path that ends where it starts. */
function findRouteCycle(routes: Record<string, { targets: Array<{ route?: string }> }>): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name];
    if (done.has(name) || !routes[name]) return undefined;
    for (const t of routes[name].targets) {
      if (t.route === undefined) continue;
      const found = visit(t.route, [...path, name]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(routes)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}

export type Config = z.infer<typeof configSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type RoutingConfig = z.infer<typeof routingSchema>;
export type ConditionConfig = z.infer<typeof conditionSchema>;
