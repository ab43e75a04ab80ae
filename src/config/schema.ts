/** The zod schema of polymath.yaml. Defaults here are the defaults of the whole service. */
import { z } from 'zod';
import { providerSchema } from './providers.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names use letters, digits, ".", "_" and "-"');

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8787),
    /** largest request body accepted, in bytes (413 past it) */
    body_limit_bytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** requests served at once before new ones get 503 */
    max_in_flight: z.number().int().positive().default(1024),
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

const targetSchema = z.object({
  provider: name,
  model: z.string().min(1).optional(),
});

const routeSchema = z.object({
  strategy: z.enum(['fallback']).default('fallback'),
  targets: z.array(targetSchema).min(1),
});

export const configSchema = z
  .object({
    server: serverSchema,
    store: storeSchema,
    logging: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    providers: z.record(name, providerSchema).default({}),
    routes: z.record(name, routeSchema).default({}),
    flags: z.record(z.string(), z.boolean()).default({}),
  })
  .superRefine((cfg, ctx) => {
    for (const [routeName, route] of Object.entries(cfg.routes)) {
      route.targets.forEach((t, i) => {
        if (!(t.provider in cfg.providers)) {
          ctx.addIssue({ code: 'custom', path: ['routes', routeName, 'targets', i, 'provider'], message: `unknown provider "${t.provider}"` });
        }
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
