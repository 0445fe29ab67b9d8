import { describe, expect, it } from 'vitest';
import { scanServerImports } from '../src/script/imports.js';
import { transpileScript } from '../src/script/transpile.js';

async function scan(source: string) {
  const transpiled = await transpileScript(source);
  if (!transpiled.ok) throw new Error(transpiled.message);
  const { folders, skills } = scanServerImports(transpiled.code);
  return { folders: Object.fromEntries([...folders].map(([k, v]) => [k, [...v].sort()])), skills };
}

describe('scanServerImports', () => {
  it('finds named imports, namespace member uses, binding files and dynamic imports', async () => {
    const found = await scan(`
      import { readTextFile, writeFile as write } from './servers/filesystem';
      import * as mem from './servers/memory/index.js';
      import { getSum } from './servers/everything/getSum';
      const g = await import('./servers/git');
      const a = await readTextFile({ path: 'x' });
      await write({ path: 'y', content: String(a) });
      await mem.readGraph();
      await mem?.searchNodes({ query: 'q' });
      await g.gitStatus({});
      export default await getSum({ a: 1, b: 2 });
    `);
    expect(found.folders).toEqual({
      filesystem: ['readTextFile', 'writeFile'],
      memory: ['readGraph', 'searchNodes'],
      everything: ['getSum'],
      git: ['gitStatus'],
    });
    expect(found.skills).toBe(false);
  });

  it('notices skill imports and scripts that import nothing', async () => {
    expect(
      await scan(`import { daysOf } from './skills/days-of'; export default await daysOf('rain');`),
    ).toEqual({
      folders: {},
      skills: true,
    });
    expect(await scan('export default 6 * 7')).toEqual({ folders: {}, skills: false });
  });
});
