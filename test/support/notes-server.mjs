// An MCP server (the SDK's own, over stdio) whose tools change between its versions the way real
// servers' do, for the tool history and skill repair tests. NOTES_VERSION (1 or 2) picks the
// version it starts as; its `upgrade` tool turns a running version 1 into version 2, which the
// client learns from `notifications/tools/list_changed`. From version 1 to 2:
// - search_notes: argument `path` renamed to `file_path`;
// - read_file: renamed to read_text_file (same schema);
// - list_notes: required argument `sort` added, with a default;
// - tag_note: required argument `tag` added, without a default;
// - count_words: enum `unit` narrowed (no more "chars");
// - summarize: optional argument `style` removed.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const NOTES = {
  'groceries.md': 'milk\neggs\nbread\napples',
  'ideas.md': 'a garden on the roof\na bike that folds',
};
const note = (path) => NOTES[path] ?? '';
const answer = (value) => ({
  content: [{ type: 'text', text: JSON.stringify(value) }],
  structuredContent: value,
});
const PATH = 'A note, e.g. groceries.md';

function tools(version) {
  const v2 = version === 2;
  return {
    search_notes: {
      description: 'Lines of a note that contain a word.',
      inputSchema: z.object({
        [v2 ? 'file_path' : 'path']: z.string().describe(PATH),
        query: z.string(),
      }),
      outputSchema: z.object({ lines: z.array(z.string()) }),
      run: (args) =>
        answer({
          lines: note(args.file_path ?? args.path)
            .split('\n')
            .filter((l) => l.includes(args.query)),
        }),
    },
    [v2 ? 'read_text_file' : 'read_file']: {
      description: 'The text of a note.',
      inputSchema: z.object({ path: z.string().describe(PATH) }),
      outputSchema: z.object({ content: z.string() }),
      run: (args) => answer({ content: note(args.path) }),
    },
    list_notes: {
      description: 'The notes, by name.',
      inputSchema: z.object(
        // Required, with a default the schema states (as hand-written JSON Schemas do).
        v2
          ? { folder: z.string(), sort: z.enum(['name', 'size']).meta({ default: 'name' }) }
          : { folder: z.string() },
      ),
      outputSchema: z.object({ names: z.array(z.string()) }),
      run: () => answer({ names: Object.keys(NOTES).sort() }),
    },
    tag_note: {
      description: 'Tags a note.',
      inputSchema: z.object(v2 ? { path: z.string(), tag: z.string() } : { path: z.string() }),
      outputSchema: z.object({ tagged: z.string() }),
      run: (args) => answer({ tagged: args.path }),
    },
    count_words: {
      description: 'How long a note is.',
      inputSchema: z.object({
        path: z.string(),
        unit: z.enum(v2 ? ['lines', 'words'] : ['lines', 'words', 'chars']),
      }),
      outputSchema: z.object({ count: z.number() }),
      run: (args) => {
        const text = note(args.path);
        const count =
          args.unit === 'lines'
            ? text.split('\n').length
            : args.unit === 'words'
              ? text.split(/\s+/).length
              : text.length;
        return answer({ count });
      },
    },
    summarize: {
      description: 'The first line of a note.',
      inputSchema: z.object(v2 ? { path: z.string() } : { path: z.string(), style: z.string().optional() }),
      outputSchema: z.object({ summary: z.string() }),
      run: (args) => answer({ summary: note(args.path).split('\n')[0] }),
    },
  };
}

let version = Number(process.env.NOTES_VERSION ?? 1);
const server = new McpServer(
  { name: 'notes', version: `${version}.0.0` },
  { capabilities: { tools: { listChanged: true } } },
);
let registered = [];

function register() {
  for (const tool of registered) tool.remove();
  registered = Object.entries(tools(version)).map(([name, { run, ...definition }]) =>
    server.registerTool(name, definition, run),
  );
  if (version === 1)
    registered.push(
      server.registerTool('upgrade', { description: 'Becomes version 2 of this server.' }, async () => {
        version = 2;
        register();
        return { content: [{ type: 'text', text: 'now version 2' }] };
      }),
    );
}

register();
await server.connect(new StdioServerTransport());
