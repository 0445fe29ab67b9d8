import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const GEN_HELP = `Usage: toolscript gen --out DIR [--config FILE]

Writes the generated TypeScript API of the configured servers to DIR:
  DIR/client.ts                     the function every binding calls
  DIR/servers/<server>/index.ts     re-exports every binding of the server
  DIR/servers/<server>/<tool>.ts    one binding: input/output types and a documented function
Scripts beside DIR can import './servers/<server>' and type-check with tsc.

Options:
      --out DIR       output folder (created if missing; files are overwritten)
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript gen`: writes the virtual file tree to disk. */
export const gen: Command = defineCommand({
  help: GEN_HELP,
  options: { out: { type: 'string', short: 'o' } },
  run: async ({ values }, io) => {
    if (!values.out) throw new UsageError('--out DIR is required');
    const out = resolve(values.out);
    const gateway = await startGateway(values.config, io, true);
    try {
      const files = await gateway.generateFiles();
      for (const [path, source] of files) {
        const target = join(out, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, source);
      }
      const servers = gateway.listServers().filter((s) => s.ok);
      io.stdout(`Wrote ${files.size} files for ${servers.length} servers to ${out}\n`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
});
