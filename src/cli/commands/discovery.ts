import { resolve } from 'node:path';
import { connectStore, storeUrlOf } from '../../gateway/store.js';
import { DiscoveryLearning, LEARNED_FILE } from '../../insights/learning.js';
import { FOLLOW_WINDOW_MS } from '../../insights/report.js';
import { type Command, defineCommand, loadCliConfig, UsageError } from '../shared.js';

export const DISCOVERY_HELP = `Usage: toolscript discovery forget [--tool SERVER.TOOL] [--config FILE]

Forgets what search learnt from use (config "discovery.learn", on by default): which tools
sessions called successfully within ${FOLLOW_WINDOW_MS / 60_000} minutes of a search, by the
search's terms. Without --tool, everything; with it, that tool only. What is learnt lives in
<dataDir>/discovery-learned.json, or in the store's shared folder "discovery" when the config
has "store". A running gateway keeps what it loaded until it restarts.

Options:
      --tool SERVER.TOOL   only this tool (its MCP name, e.g. filesystem.read_text_file)
  -c, --config FILE        config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help               show this help
`;

/** `toolscript discovery forget [--tool SERVER.TOOL]`. */
export const discovery: Command = defineCommand({
  help: DISCOVERY_HELP,
  options: { tool: { type: 'string' } },
  run: async ({ values, positionals }, io) => {
    if (positionals[0] !== 'forget' || positionals.length > 1)
      throw new UsageError('expected: discovery forget [--tool SERVER.TOOL]');
    const tool = values.tool;
    if (tool !== undefined && !/^[^.]+\..+$/.test(tool))
      throw new UsageError(`--tool takes SERVER.TOOL (e.g. filesystem.read_text_file), not "${tool}"`);
    const { config } = loadCliConfig(values.config, io);
    const url = storeUrlOf(config);
    const store = url ? await connectStore(url, config) : undefined;
    try {
      const learning = new DiscoveryLearning(resolve(config.dataDir, LEARNED_FILE), store);
      const gone = await learning.forget(tool);
      io.stdout(
        `Forgot ${gone} learnt term${gone === 1 ? '' : 's'} ${tool ? `of ${tool}` : 'of every tool'} (${store ? `${store.location}, shared folder "discovery"` : learning.file}).\n`,
      );
      return 0;
    } finally {
      await store?.close();
    }
  },
});
