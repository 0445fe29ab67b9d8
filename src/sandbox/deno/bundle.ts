import { build, type Plugin } from 'esbuild';
import type { SandboxError, SandboxRunOptions } from '../contract.js';
import { moduleLookup, resolveModule } from '../modules.js';

/** Bundles the script with the modules it imports into one ES module; unknown imports fail. */
export async function bundle(
  code: string,
  options: SandboxRunOptions,
): Promise<{ ok: true; code: string } | { ok: false; error: SandboxError }> {
  const lookup = moduleLookup(options.modules);
  const virtual: Plugin = {
    name: 'toolscript-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return { path: 'script', namespace: 'toolscript' };
        const resolved = resolveModule(lookup, args.importer, args.path);
        if (resolved !== undefined) return { path: resolved, namespace: 'toolscript' };
        // A dynamic import() of a missing module rejects when it runs (catchable, as in QuickJS);
        // a static import fails the whole script.
        if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'toolscript-missing' };
        return { errors: [{ text: `Cannot find module '${args.path}'` }] };
      });
      b.onLoad({ filter: /.*/, namespace: 'toolscript-missing' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find module '${args.path}'`)}), { code: 'ERR_MODULE_NOT_FOUND' });`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'toolscript' }, (args) => ({
        contents: args.path === 'script' ? code : (lookup(args.path) ?? ''),
        loader: 'js',
      }));
    },
  };
  try {
    const result = await build({
      entryPoints: ['script'],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'esnext',
      logLevel: 'silent',
      // No CommonJS shim: \`require\` stays absent, as in the QuickJS sandbox.
      define: { require: 'undefined' },
      plugins: [virtual],
    });
    return { ok: true, code: result.outputFiles[0]?.text ?? '' };
  } catch (error) {
    const failures = (error as { errors?: { text: string }[] }).errors ?? [];
    const message = failures.map((f) => f.text).join('; ') || String(error);
    return {
      ok: false,
      error: {
        code: /Cannot find module/.test(message) ? 'MODULE_NOT_FOUND' : 'SYNTAX_ERROR',
        name: /Cannot find module/.test(message) ? 'Error' : 'SyntaxError',
        message,
      },
    };
  }
}
