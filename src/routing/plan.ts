/**
 * Resolves the `model` a client asked for into a plan: the ordered targets to try.
 * `"<route>"` is a configured route; `"<provider>/<model>"` goes straight to that provider;
 * `"<provider>"` alone uses the provider's default model.
 */
import type { Config } from '../config/index.js';
import { PolymathError } from '../errors.js';
import type { Provider } from '../providers/types.js';

export interface Target {
  provider: Provider;
  /** the upstream model name */
  model: string;
}

export interface Plan {
  /** the route alias, when the request named one */
  route?: string;
  targets: Target[];
}

export class Router {
  constructor(
    private readonly config: Config,
    private readonly providers: ReadonlyMap<string, Provider>,
  ) {}

  resolve(model: string): Plan {
    if (this.providers.size === 0) {
      throw new PolymathError(
        'no_provider',
        'No provider is configured. Set OPENAI_API_KEY, OPENROUTER_API_KEY or PERPLEXITY_API_KEY, or write a polymath.yaml with a `providers:` section (see the README).',
      );
    }
    const route = this.config.routes[model];
    if (route) {
      return { route: model, targets: route.targets.map((t) => this.target(t.provider, t.model)) };
    }
    const slash = model.indexOf('/');
    const providerId = slash === -1 ? model : model.slice(0, slash);
    if (this.providers.has(providerId)) {
      return { targets: [this.target(providerId, slash === -1 ? undefined : model.slice(slash + 1))] };
    }
    throw new PolymathError('model_not_found', `The model "${model}" is neither a route nor "<provider>/<model>" of a configured provider. GET /v1/models lists what is available.`, {
      param: 'model',
      code: 'model_not_found',
    });
  }

  /** Route aliases and provider/model names, for GET /v1/models. */
  modelIds(): Array<{ id: string; owned_by: string }> {
    const ids = Object.keys(this.config.routes).map((id) => ({ id, owned_by: 'polymath' }));
    for (const p of this.providers.values()) {
      for (const m of p.models) ids.push({ id: `${p.id}/${m}`, owned_by: p.id });
    }
    for (const route of Object.values(this.config.routes)) {
      for (const t of route.targets) {
        if (t.model && !ids.some((x) => x.id === `${t.provider}/${t.model}`)) ids.push({ id: `${t.provider}/${t.model}`, owned_by: t.provider });
      }
    }
    return ids;
  }

  private target(providerId: string, model: string | undefined): Target {
    const provider = this.providers.get(providerId);
    if (!provider) throw new PolymathError('model_not_found', `unknown provider "${providerId}"`, { param: 'model', code: 'model_not_found' });
    const resolved = model ?? provider.defaultModel;
    if (!resolved) {
      throw new PolymathError('invalid_request', `provider "${providerId}" has no default_model; ask for "${providerId}/<model>"`, { param: 'model' });
    }
    return { provider, model: resolved };
  }
}
