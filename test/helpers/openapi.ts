/**
 * Validates what Polymath returns against OpenAI's own OpenAPI spec (vendored in test/fixtures/specs).
 * `assertSchema(name, value)` fails the test with ajv's errors when `value` does not match
 * `components.schemas[name]`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import OpenAI from 'openai';
import { expect } from 'vitest';

import { OPENAI_SPEC as SPEC } from './fixtures.js';

let ajv: Ajv2020 | undefined;

function compiler(): Ajv2020 {
  if (ajv) return ajv;
  const spec = parse(readFileSync(SPEC, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'openai', components: nullableToJsonSchema(spec.components) }, 'openai');
  return ajv;
}

export function assertSchema(name: string, value: unknown): void {
  const validate = compiler().getSchema(`openai#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the OpenAI spec`);
  const ok = validate(value);
  expect(ok ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`), `${name}: ${JSON.stringify(value).slice(0, 500)}`).toEqual([]);
}

/** The spec still has a few OpenAPI 3.0 `nullable: true`; JSON Schema says it with a null type. */
function nullableToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = nullableToJsonSchema(v);
  if ((node as { nullable?: unknown }).nullable !== true) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/** The error an openai-client call fails with, checked against OpenAI's ErrorResponse schema. */
export async function apiFailure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const apiError = err as InstanceType<typeof OpenAI.APIError>;
  assertSchema('ErrorResponse', { error: apiError.error });
  return apiError;
}
