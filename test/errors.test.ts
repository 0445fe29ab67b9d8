import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXEC_HELP } from '../src/cli/commands/exec.js';
import {
  ConfigError,
  EXECUTION_ERRORS,
  GATEWAY_ERRORS,
  InvalidArgumentsError,
  ResultTooLargeError,
  ToolError,
  ToolscriptError,
  UnknownToolError,
  UpstreamUnavailableError,
} from '../src/errors.js';
import { SkillError } from '../src/skills/store.js';
import { WorkspaceError } from '../src/workspace/workspace.js';

const samples = [
  new ConfigError('bad', undefined),
  new UpstreamUnavailableError('a', 'down'),
  new UnknownToolError('a', 'b'),
  new InvalidArgumentsError('a', 'b', []),
  new ToolError('a', 'b', 'failed'),
  new ResultTooLargeError('a', 'b', 10, 5),
  new WorkspaceError('refused'),
  new SkillError('refused'),
];

describe('the error model', () => {
  it('gives each class its own marker: isInstance matches only that class', () => {
    for (const error of samples) {
      expect(ToolscriptError.isInstance(error)).toBe(true);
      for (const other of samples) {
        const type = other.constructor as typeof ToolscriptError;
        expect({ error: error.name, type: type.name, is: type.isInstance(error) }).toEqual({
          error: error.name,
          type: type.name,
          is: other.constructor === error.constructor,
        });
      }
    }
    // A copy from a second package instance carries the same marker; a plain Error does not.
    const copy = { ...new UnknownToolError('a', 'b') };
    expect(copy instanceof UnknownToolError).toBe(false);
    expect(UnknownToolError.isInstance(copy)).toBe(true);
    expect(ToolError.isInstance(copy)).toBe(false);
    expect(ToolscriptError.isInstance(new Error('x'))).toBe(false);
  });

  it('gives workspace and skill errors their own codes', () => {
    expect(new WorkspaceError('x').code).toBe('WORKSPACE_ERROR');
    expect(new SkillError('x').code).toBe('SKILL_ERROR');
  });

  it('lists every execution code, once, in exec --help and the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = [...readme.matchAll(/^\| `([A-Z_]+)` +\| (.+?) +\|$/gm)].map(([, code, meaning]) => [
      code,
      meaning,
    ]);
    expect(table).toEqual(Object.entries(EXECUTION_ERRORS));
    for (const code of Object.keys(EXECUTION_ERRORS)) expect(EXEC_HELP).toContain(`  ${code} `);
    expect(EXEC_HELP).toContain(EXECUTION_ERRORS.RESULT_TOO_LARGE);
    for (const error of samples.filter((e) => e.code !== 'CONFIG_INVALID'))
      expect(Object.keys(EXECUTION_ERRORS)).toContain(error.code);
  });

  it('has one hierarchy: every error class in src/ extends ToolscriptError, with a listed code', async () => {
    const root = new URL('../src/', import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const strays = files.flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/class (\w+) extends (\w*Error)\b/g)]
        .filter(([, , base]) => base === 'Error' || base === 'TypeError' || base === 'RangeError')
        .map(([, name]) => `${file}: ${name}`),
    );
    // The root itself is the one class allowed to extend Error.
    expect(strays).toEqual(['errors.ts: ToolscriptError']);
    const { UsageError, CliError } = await import('../src/cli/shared.js');
    const { UpstreamRefusal } = await import('../src/upstream/listing.js');
    const { SessionsFullError } = await import('../src/server/http-sessions.js');
    const { NeedsLoginError } = await import('../src/auth/provider.js');
    const codes = new Set([...Object.keys(EXECUTION_ERRORS), ...Object.keys(GATEWAY_ERRORS)]);
    for (const error of [
      new UsageError('x'),
      new CliError('x', 3),
      new UpstreamRefusal(-32602, 'x'),
      new SessionsFullError(2),
      new NeedsLoginError('s'),
    ]) {
      expect(ToolscriptError.isInstance(error)).toBe(true);
      expect(codes.has(error.code)).toBe(true);
    }
    expect(new UpstreamRefusal(-32602, 'x').details).toEqual({ rpcCode: -32602 });
  });
});
