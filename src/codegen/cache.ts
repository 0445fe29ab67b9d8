import { createHash } from 'node:crypto';
import { type BindingSpec, renderBinding } from './binding.js';

/**
 * Rendered binding sources, generated on first use and cached by server, identifier, schema hash
 * and a hash of the documentation text, so a tool is compiled to TypeScript only when it is
 * searched with detail "full", read as a resource, or written by `gen`, and only once per version.
 */
export class BindingCache {
  private readonly sources = new Map<string, Promise<string>>();

  /** The binding's TypeScript source (see {@link renderBinding}). */
  get(spec: BindingSpec): Promise<string> {
    const docs = createHash('sha256')
      .update(
        `${spec.tool.title ?? ''}\u0000${spec.tool.description ?? ''}\u0000${spec.tool.annotations?.title ?? ''}`,
      )
      .digest('hex')
      .slice(0, 12);
    const key = `${spec.server}\u0000${spec.identifier}\u0000${spec.schemaHash}\u0000${docs}`;
    let source = this.sources.get(key);
    if (!source) {
      source = renderBinding(spec);
      this.sources.set(key, source);
    }
    return source;
  }

  /** Number of cached bindings. */
  get size(): number {
    return this.sources.size;
  }
}
