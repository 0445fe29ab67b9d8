import { createRequire } from 'node:module';
import type { Tool } from '@modelcontextprotocol/server';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
/** ajv with formats, draft-07 or 2020-12, loaded on the first validation (CommonJS packages). */
function createAjv(draft: '07' | '2020'): Ajv {
  const options = { strict: false, allErrors: true, validateSchema: false, code: { regExp: linearRegExp } };
  const addFormats = require('ajv-formats') as { default: (ajv: Ajv) => Ajv };
  const AjvClass =
    draft === '07'
      ? (require('ajv') as { Ajv: new (o: object) => Ajv }).Ajv
      : (require('ajv/dist/2020.js') as { Ajv2020: new (o: object) => Ajv }).Ajv2020;
  return addFormats.default(new AjvClass(options));
}

/**
 * The regular-expression engine for `pattern` and `patternProperties`: RE2 (re2js), which matches
 * in time linear in the input, so an upstream schema such as `"^(a+)+$"` cannot stall the gateway
 * (the native engine took 82 s on a 32-character argument). A pattern RE2 cannot express
 * (lookaround, backreferences) is not enforced here: the server stays the judge of its arguments.
 */
const linearRegExp = Object.assign(
  (pattern: string): { test: (text: string) => boolean } => {
    const { RE2JS } = require('re2js') as typeof import('re2js');
    try {
      const compiled = RE2JS.compile(pattern);
      return { test: (text) => compiled.matcher(text).find() };
    } catch {
      return { test: () => true };
    }
  },
  { code: 'require("re2js")' },
);

/** One reason arguments do not match a schema: a path such as `input.edits[0].oldText`, and why. */
export interface ArgumentProblem {
  path: string;
  message: string;
}

/**
 * Validates tool arguments against `inputSchema` with ajv (draft-07 by default, 2020-12 when the
 * schema says so), caching one compiled validator per schema hash. A schema ajv cannot compile
 * is not enforced: the upstream server stays the judge of its own arguments.
 */
export class ArgumentValidator {
  private ajv07: Ajv | undefined;
  private ajv2020: Ajv | undefined;
  private get draft07(): Ajv {
    this.ajv07 ??= createAjv('07');
    return this.ajv07;
  }
  private get draft2020(): Ajv {
    this.ajv2020 ??= createAjv('2020');
    return this.ajv2020;
  }
  private readonly cache = new Map<string, ValidateFunction | null>();

  /** Problems with `args` for `tool`; empty when they are valid. */
  check(tool: Tool, schemaHash: string, args: unknown): ArgumentProblem[] {
    let validate = this.cache.get(schemaHash);
    if (validate === undefined) {
      validate = this.compile(tool.inputSchema);
      this.cache.set(schemaHash, validate);
    }
    if (!validate || validate(args)) return [];
    return (validate.errors ?? []).slice(0, 5).map(describe);
  }

  private compile(schema: Tool['inputSchema']): ValidateFunction | null {
    const { $schema, ...rest } = schema as Record<string, unknown>;
    const ajv = typeof $schema === 'string' && $schema.includes('2020-12') ? this.draft2020 : this.draft07;
    try {
      return ajv.compile(rest);
    } catch {
      return null;
    }
  }
}

function describe(error: ErrorObject): ArgumentProblem {
  let path = `input${error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')}`;
  let message = error.message ?? 'is invalid';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    path += `.${String(params.missingProperty)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path += `.${String(params.additionalProperty)}`;
    message = 'is not an allowed property';
  } else if (error.keyword === 'type') {
    message = `must be ${String(params.type)}`;
  } else if (error.keyword === 'enum') {
    message = `must be one of ${JSON.stringify(params.allowedValues)}`;
  }
  return { path, message };
}
