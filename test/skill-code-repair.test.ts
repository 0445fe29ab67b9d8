/**
 * The edits a skill repair makes with the TypeScript compiler API: every form of import and call,
 * the rest of the code left as it was, and the problems that stop a repair.
 */
import { describe, expect, it } from 'vitest';
import type { ToolChange } from '../src/catalog/changes.js';
import { repairCode, type ToolRepair } from '../src/skills/repair.js';

const renamedArg: ToolChange = {
  kind: 'argument-renamed',
  level: 'major',
  argument: 'path',
  to: 'file_path',
  text: 'argument `path` renamed to `file_path`',
};
const renamedTool: ToolChange = {
  kind: 'tool-renamed',
  level: 'major',
  from: 'read_file',
  to: 'read_text_file',
  text: 'tool `read_file` renamed to `read_text_file`',
};
const repair = (changes: ToolChange[], from = 'readFile', to = from): ToolRepair => ({
  folder: 'fs',
  from,
  to,
  types: [
    {
      from: `${from[0]?.toUpperCase()}${from.slice(1)}Output`,
      to: `${to[0]?.toUpperCase()}${to.slice(1)}Output`,
    },
  ],
  changes,
});
const fixed = (code: string, repairs: ToolRepair[]) => {
  const result = repairCode(code, repairs);
  if (!result.ok) throw new Error(result.problem);
  return result.code;
};

describe('skill code repair', () => {
  it('renames a tool in named, aliased, namespace, per-file and type imports, and every use', () => {
    const code = `import { readFile, listDir } from './servers/fs';
import { readFile as rf } from './servers/fs';
import * as fs from "./servers/fs";
import { readFile as direct } from './servers/fs/readFile';
import type { ReadFileOutput } from './servers/fs';
// readFile in a comment stays.
export async function go(p: string): Promise<unknown[]> {
  const readFileCount = 1; // another name that starts the same
  const out: ReadFileOutput = await readFile({ path: p });
  return [out, await rf({ path: p }), await fs.readFile({ path: p }), await direct({ path: p }), readFileCount, listDir];
}`;
    expect(
      fixed(code, [repair([renamedTool], 'readFile', 'readTextFile')]),
    ).toBe(`import { readTextFile, listDir } from './servers/fs';
import { readTextFile as rf } from './servers/fs';
import * as fs from "./servers/fs";
import { readTextFile as direct } from './servers/fs/readTextFile';
import type { ReadTextFileOutput } from './servers/fs';
// readFile in a comment stays.
export async function go(p: string): Promise<unknown[]> {
  const readFileCount = 1; // another name that starts the same
  const out: ReadTextFileOutput = await readTextFile({ path: p });
  return [out, await rf({ path: p }), await fs.readTextFile({ path: p }), await direct({ path: p }), readFileCount, listDir];
}`);
  });

  it('renames, removes and adds arguments in object literals, shorthand included', () => {
    const code = `import { readFile } from './servers/fs';
const path = 'a.txt';
export const a = () => readFile({ path });
export const b = () => readFile({ encoding: 'utf8', path: 'b', tail: 2 });
export const c = () => readFile({ 'path': 'c' });
export const d = () => readFile();`;
    const changes: ToolChange[] = [
      renamedArg,
      {
        kind: 'argument-removed',
        level: 'major',
        argument: 'encoding',
        required: false,
        text: 'optional argument `encoding` removed',
      },
      {
        kind: 'argument-removed',
        level: 'major',
        argument: 'tail',
        required: false,
        text: 'optional argument `tail` removed',
      },
      {
        kind: 'argument-added',
        level: 'major',
        argument: 'mode',
        required: true,
        default: 'text',
        text: 'required argument `mode` added (default "text")',
      },
    ];
    const result = repairCode(code, [repair(changes)]);
    expect(result).toEqual({
      ok: true,
      done: changes.map((c) => c.text),
      code: `import { readFile } from './servers/fs';
const path = 'a.txt';
export const a = () => readFile({ file_path: path, mode: "text" });
export const b = () => readFile({ file_path: 'b', mode: "text" });
export const c = () => readFile({ file_path: 'c', mode: "text" });
export const d = () => readFile({ mode: "text" });`,
    });
  });

  it('changes nothing for changes that touch no call, and names the problem when a call cannot be edited', () => {
    const code = `import { readFile } from './servers/fs';\nexport const a = () => readFile({ path: 'x' });`;
    expect(
      repairCode(code, [
        repair([
          {
            kind: 'argument-added',
            level: 'minor',
            argument: 'x',
            required: false,
            text: 'optional argument `x` added',
          },
        ]),
      ]),
    ).toEqual({ ok: true, code, done: [] });
    const noDefault: ToolChange = {
      kind: 'argument-added',
      level: 'major',
      argument: 'tag',
      required: true,
      text: 'required argument `tag` added',
    };
    expect(repairCode(code, [repair([noDefault])])).toEqual({
      ok: false,
      problem: 'required argument `tag` added and has no default, so there is no value to pass for it',
    });
    const variable = `import { readFile } from './servers/fs';\nconst args = { path: 'x' };\nexport const a = () => readFile(args);`;
    expect(repairCode(variable, [repair([renamedArg])])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(
        /call at line 3 passes its arguments in a value that is not an object literal/,
      ),
    });
    const spread = `import { readFile } from './servers/fs';\nconst args = { path: 'x' };\nexport const a = () => readFile({ ...args });`;
    expect(repairCode(spread, [repair([renamedArg])])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/spreads its arguments/),
    });
    const passed = `import { readFile } from './servers/fs';\nexport const all = (ps: string[]) => ps.map((path) => ({ path })).map(readFile);`;
    expect(repairCode(passed, [repair([renamedArg])])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/passes `readFile` on as a value \(line 2\)/),
    });
    // Another server's tool of the same name is not touched.
    const other = `import { readFile } from './servers/other';\nexport const a = () => readFile({ path: 'x' });`;
    expect(repairCode(other, [repair([renamedArg, renamedTool], 'readFile', 'readTextFile')])).toEqual({
      ok: true,
      code: other,
      done: [],
    });
  });
});
