import type { Config } from '../config/defaults.js';
import type { ProtectedResource } from '../config/resources.js';

/** A configured protected resource as an operator sees it. */
export interface ResourceView extends ProtectedResource {
  /** Whether a request naming no `resource` gets this one: the one marked `default`, or else the first. */
  isDefault: boolean;
}

/**
 * The protected resources of the configuration (PRODUCT.md §8), read-only: they change in the configuration,
 * never from the dashboard. The default is resolved as the token endpoint resolves it, so that the page says
 * what a request without `resource` really gets.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function listResources(config: Pick<Config, 'resources'>): ResourceView[] {
  const { resources } = config;
  const defaultEntry = resources.find((r) => r.default) ?? resources[0];
  return resources.map((resource) => ({ ...resource, isDefault: resource === defaultEntry }));
}
