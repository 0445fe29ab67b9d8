import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

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
  private readonly draft07 = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }));
  private readonly draft2020 = addFormats(
    new Ajv2020({ strict: false, allErrors: true, validateSchema: false }) as unknown as Ajv,
  );
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
