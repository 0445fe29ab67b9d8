import { renderSearch, renderSelection, renderServerList } from '../../session/render-search.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const SEARCH_HELP = `Usage: toolscript search [QUERY] [--detail name|summary|full] [--limit N] [--server NAME]
                         [--read-only] [--names a.b,c.d] [--json] [--config FILE]

Searches the tools of the configured MCP servers, best match first. Without a QUERY, lists the
servers, or with --server lists that server's tools.

Options:
      --detail LEVEL  name, summary (default) or full (the TypeScript signature with docs)
      --limit N       hits at most (default 10; 100 when listing a server)
      --server NAME   only this server's tools
      --read-only     only tools annotated readOnlyHint: true
      --names LIST    exact selection: comma-separated qualified names (server.tool); detail defaults to full
      --json          print the hits as JSON
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** `toolscript search`: ranked tool search, browsing and exact selection. */
export const search: Command = defineCommand({
  help: SEARCH_HELP,
  options: {
    json: { type: 'boolean' },
    detail: { type: 'string' },
    limit: { type: 'string' },
    server: { type: 'string' },
    'read-only': { type: 'boolean' },
    names: { type: 'string' },
  },
  run: async ({ values, positionals }, io) => {
    const detail = values.detail ?? (values.names ? 'full' : 'summary');
    if (detail !== 'name' && detail !== 'summary' && detail !== 'full') {
      throw new UsageError(`--detail must be name, summary or full, not "${detail}"`);
    }
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new UsageError(`--limit must be a positive whole number, not "${values.limit}"`);
    }
    const query = positionals.join(' ');
    const gateway = await startGateway(values.config, io, true);
    try {
      const print = (text: string, data: unknown) =>
        io.stdout(`${values.json ? JSON.stringify(data, null, 2) : text}\n`);
      if (values.names) {
        const selection = await gateway.select(
          values.names
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
          detail,
        );
        print(renderSelection(selection), selection);
        return selection.unknown.length ? 1 : 0;
      }
      const servers = gateway.listServers();
      if (values.server !== undefined && !servers.some((s) => s.name === values.server)) {
        throw new UsageError(
          `no server "${values.server}"; servers: ${servers.map((s) => s.name).join(', ')}`,
        );
      }
      if (!query.trim() && values.server === undefined && !values['read-only']) {
        print(renderServerList(servers), servers);
        return 0;
      }
      const hits = await gateway.search(query, {
        detail,
        ...(limit !== undefined ? { limit } : {}),
        ...(values.server !== undefined ? { server: values.server } : {}),
        ...(values['read-only'] ? { readOnly: true } : {}),
      });
      print(renderSearch(query, hits), hits);
      return 0;
    } finally {
      await gateway.close();
    }
  },
});
