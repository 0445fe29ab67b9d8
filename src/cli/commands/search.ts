import { renderSearch } from '../../server/render-search.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const SEARCH_HELP = `Usage: toolscript search QUERY [--detail name|summary|full] [--limit N] [--json] [--config FILE]

Searches the tools of the configured MCP servers, best match first. An empty QUERY ("") lists
the servers.

Options:
      --detail LEVEL  name, summary (default) or full (the TypeScript signature with docs)
      --limit N       hits at most (default 10)
      --json          print the hits as JSON
  -c, --config FILE   config file (default: ./toolscript.config.json, else the bundled default)
  -h, --help          show this help
`;

/** `toolscript search`: ranked tool search. */
export const search: Command = defineCommand({
  help: SEARCH_HELP,
  options: { json: { type: 'boolean' }, detail: { type: 'string' }, limit: { type: 'string' } },
  run: async ({ values, positionals }, io) => {
    const detail = values.detail ?? 'summary';
    if (detail !== 'name' && detail !== 'summary' && detail !== 'full') {
      throw new UsageError(`--detail must be name, summary or full, not "${detail}"`);
    }
    const limit = values.limit === undefined ? 10 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a positive whole number, not "${values.limit}"`);
    const query = positionals.join(' ');
    const gateway = await startGateway(values.config, io, true);
    try {
      const hits = query.trim() ? await gateway.search(query, { detail, limit }) : [];
      if (values.json) io.stdout(`${JSON.stringify(query.trim() ? hits : gateway.listServers(), null, 2)}\n`);
      else io.stdout(`${renderSearch(query, hits, gateway.listServers())}\n`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
});
