import { createHash } from 'node:crypto';
import type { ObservedOutput } from '../catalog/observed.js';
import { type BindingSpec, renderBinding } from './binding.js';
import { renderCompactBinding } from './compact.js';

/**
 * Rendered binding sources, generated on first use and cached by server, identifier, schema hash
 * and a hash of the documentation text, so a tool is rendered only when it is searched with detail
 * "full", read as a resource, or written by `gen`, and only once per version.
 */
export class BindingCache {
  private readonly sources = new Map<string, { version: string; source: Promise<string> }>();
  private readonly compacts = new Map<string, { version: string; source: string }>();

  /**
   * @param observed the result type learnt for a tool without `outputSchema`, if any (see
   *   `ObservedTypes`); both renderings show it.
   */
  constructor(private readonly observed?: (spec: BindingSpec) => ObservedOutput | undefined) {}

  /** The binding's TypeScript file, as `gen` writes it (see {@link renderBinding}). */
  get(spec: BindingSpec): Promise<string> {
    const key = cacheKey(spec);
    const observed = this.observedOf(spec);
    const version = versionOf(observed);
    const cached = this.sources.get(key);
    if (cached?.version === version) return cached.source;
    const source = renderBinding(spec, observed);
    this.sources.set(key, { version, source });
    return source;
  }

  /**
   * The binding as a model reads it (see {@link renderCompactBinding}), rendered again when the
   * observed result type or its call count changed.
   */
  compact(spec: BindingSpec): string {
    const key = cacheKey(spec);
    const observed = this.observedOf(spec);
    const version = versionOf(observed);
    const cached = this.compacts.get(key);
    if (cached?.version === version) return cached.source;
    // One entry per tool: a newer observation replaces the older rendering.
    const source = renderCompactBinding(spec, observed);
    this.compacts.set(key, { version, source });
    return source;
  }

  private observedOf(spec: BindingSpec): ObservedOutput | undefined {
    return spec.tool.outputSchema ? undefined : this.observed?.(spec);
  }

  /** Number of cached renderings (files and compact bindings). */
  get size(): number {
    return this.sources.size + this.compacts.size;
  }
}

function cacheKey(spec: BindingSpec): string {
  const docs = createHash('sha256')
    .update(
      `${spec.tool.title ?? ''}\u0000${spec.tool.description ?? ''}\u0000${spec.tool.annotations?.title ?? ''}`,
    )
    .digest('hex')
    .slice(0, 12);
  return `${spec.server}\u0000${spec.identifier}\u0000${spec.schemaHash}\u0000${docs}`;
}

function versionOf(observed: ObservedOutput | undefined): string {
  return observed ? `${observed.calls}\u0000${JSON.stringify(observed.schema)}` : '';
}
