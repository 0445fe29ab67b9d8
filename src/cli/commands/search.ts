import { ANNOTATION_FILTER_NAMES, type AnnotationFilter } from '../../discovery/search.js';
import { answerSearch, renderAnswer } from '../../session/search-tools.js';
import { type Command, defineCommand, startGateway, UsageError } from '../shared.js';

export const SEARCH_HELP = `Usage: toolscript search [QUERY] [--detail name|summary|full] [--limit N] [--server NAME]
                         [--read-only] [--destructive] [--idempotent] [--open-world]
                         [--names a.b,c.d] [--json] [--config FILE]

Searches the tools of the configured MCP servers, best match first. Without a QUERY, lists the
servers, or with --server or an annotation flag lists the matching tools.

Options:
      --detail LEVEL  name, summary (default) or full (the TypeScript signature with docs)
      --limit N       hits at most (default 10; 100 when listing a server)
      --server NAME   only this server's tools
      --read-only     only tools annotated readOnlyHint: true
      --destructive   only tools that may be destructive (destructiveHint, true unless a tool says otherwise)
      --idempotent    only tools annotated idempotentHint: true
      --open-world    only tools that reach the outside world (openWorldHint, true unless a tool says otherwise)
      --names LIST    exact selection: comma-separated qualified names (server.tool); detail defaults to full
      --json          print the hits as JSON
  -c, --config FILE   config file (default: ./toolscript.config.json, ./.mcp.json, else the bundled one)
  -h, --help          show this help
`;

/** The annotation flags (`--read-only` …), one per search filter. */
const FLAGS: [string, AnnotationFilter][] = ANNOTATION_FILTER_NAMES.map((filter) => [
  filter.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
  filter,
]);

/** `toolscript search`: ranked tool search, browsing and exact selection. */
export const search: Command = defineCommand({
  help: SEARCH_HELP,
  options: {
    json: { type: 'boolean' },
    detail: { type: 'string' },
    limit: { type: 'string' },
    server: { type: 'string' },
    ...(Object.fromEntries(FLAGS.map(([flag]) => [flag, { type: 'boolean' }])) as Record<
      string,
      { type: 'boolean' }
    >),
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
      const flags = values as Record<string, unknown>;
      const names = values.names
        ?.split(',')
        .map((n) => n.trim())
        .filter(Boolean);
      const answer = await answerSearch(gateway, {
        query,
        detail,
        ...(names ? { names } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(values.server !== undefined ? { server: values.server } : {}),
        ...Object.fromEntries(
          FLAGS.filter(([flag]) => flags[flag] === true).map(([, filter]) => [filter, true]),
        ),
      });
      if (answer.kind === 'no-server') {
        throw new UsageError(
          `no server "${answer.server}"; servers: ${answer.servers.map((s) => s.name).join(', ')}`,
        );
      }
      if (answer.kind === 'selection') {
        const { kind: _, ...selection } = answer;
        print(renderAnswer(answer).text, selection);
        return answer.unknown.length ? 1 : 0;
      }
      print(renderAnswer(answer).text, answer.kind === 'servers' ? answer.servers : answer.hits);
      return 0;
    } finally {
      await gateway.close();
    }
  },
});
