import { createRequire } from 'node:module';
import { ToolscriptError } from '../errors.js';

/**
 * Optional peer dependencies: packages only one feature needs, which a user installs when they
 * use it (package.json `peerDependenciesMeta`), each with what needs it. Keeping them out of
 * `dependencies` keeps a fresh install small (test/package.e2e.test.ts holds node_modules to
 * 90 MiB).
 */
export const OPTIONAL_PEERS = {
  typescript:
    'sandbox.typecheck, type checks of saved skills, and a top-level return after other code (without it skills are saved unchecked)',
  '@redis/client': 'a session store (store, TOOLSCRIPT_STORE)',
  'json-schema-to-typescript': 'toolscript gen --language typescript',
  'libphonenumber-js': 'pii.detectors.phone with pii.enabled',
  'gpt-tokenizer': 'exact token counts (without it, counts are estimated from length)',
  '@opentelemetry/sdk-node': 'telemetry.enabled (OpenTelemetry traces and metrics)',
} as const;

/** A package name of {@link OPTIONAL_PEERS}. */
export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

const require = createRequire(import.meta.url);

/** A feature was used whose optional peer package is not installed. Exit code 2 in the CLI. */
export class MissingPackageError extends ToolscriptError {
  static override readonly kind: string = 'MissingPackageError';
  constructor(
    readonly packageName: string,
    feature: string,
  ) {
    super('MISSING_PACKAGE', `${feature} needs the ${packageName} package: npm install ${packageName}`, {
      package: packageName,
    });
    this.name = 'MissingPackageError';
  }
}

/** True when `error` says that `name` itself (not something it imports) could not be found. */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown }).code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  const message = error instanceof Error ? error.message : '';
  return message.includes(`'${name}`) || message.includes(`"${name}`);
}

const installed = new Map<string, boolean>();

/** True when the optional peer `name` can be loaded from toolscript's own folder. Cached. */
export function isInstalled(name: OptionalPeer): boolean {
  let known = installed.get(name);
  if (known === undefined) {
    try {
      require.resolve(name);
      known = true;
    } catch {
      known = false;
    }
    installed.set(name, known);
  }
  return known;
}

/**
 * Loads `specifier` (the package `name` or one of its subpaths) with `require`.
 * @param feature what needs it, as the subject of the message: `sandbox.typecheck "error"` →
 *   `sandbox.typecheck "error" needs the typescript package: npm install typescript`.
 * @throws {MissingPackageError} naming the package and the install command when it is missing.
 */
export function requirePeer<T>(name: OptionalPeer, feature: string, specifier: string = name): T {
  try {
    return require(specifier) as T;
  } catch (error) {
    if (isMissing(error, name)) throw new MissingPackageError(name, feature);
    throw error;
  }
}

/** Like {@link requirePeer}, with `import()` (for packages that are ES modules only). */
export async function importPeer<T>(
  name: OptionalPeer,
  feature: string,
  specifier: string = name,
): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if (isMissing(error, name)) throw new MissingPackageError(name, feature);
    throw error;
  }
}
