/**
 * The code-first prompt, in one place: the gateway's MCP `instructions` and the descriptions of
 * its tools. It tells the model which servers exist, to search before writing, how imports, errors
 * and results work, and to keep data in the script. test/prompt.test.ts keeps its size in check.
 */
import type { ServerStatus } from '../upstream/servers.js';

/** Servers named one per line in tool descriptions at most; the rest are counted. */
const MAX_LISTED_SERVERS = 15;

/** One line per server: `- name (N tools): description`, or why it is unavailable. */
export function serverLines(servers: ServerStatus[], max = MAX_LISTED_SERVERS): string {
  const lines = servers
    .slice(0, max)
    .map((s) =>
      s.ok
        ? `- ${s.name} (${s.tools} tools${s.deniedTools ? `; ${s.deniedTools} kept out by policy` : ''})${s.description ? `: ${s.description}` : ''}`
        : `- ${s.name}: unavailable`,
    );
  if (servers.length > max)
    lines.push(`- …and ${servers.length - max} more: search_tools with an empty query lists them all.`);
  return lines.join('\n');
}

/**
 * The code-first prompt, sent as the gateway's MCP `instructions`: which servers exist, to search
 * then write one script, to keep data in the script, and how imports, errors and results work.
 */
export function gatewayInstructions(servers: ServerStatus[]): string {
  return `toolscript exposes the tools of these MCP servers as a TypeScript API:
${serverLines(servers)}

Do not call tools one at a time. Instead:
1. search_tools {query} finds tools; detail "full" shows a tool's exact TypeScript signature.
2. execute_code {code} runs ONE TypeScript module in a sandbox. Import bindings with
   import * as fs from './servers/filesystem'  or  import { readTextFile } from './servers/filesystem'.
   Calls are async; top-level await works.
3. Filter, join, loop and aggregate inside the script; export default (or top-level return) only the small
   answer you need. console.log output is shown too. Large data must never be returned whole.
A tool failure throws an Error named "ToolError" (fields server, tool), catchable with try/catch.
A tool's value is its structuredContent, else its text parsed as JSON, else the text.`;
}

/** Description of the gateway's `search_tools` tool. */
export const SEARCH_TOOLS_DESCRIPTION = `Find tools of the connected MCP servers by what they do. Returns qualified names (server.binding); detail "summary" (default) adds the first sentence, "full" the import line and TypeScript declaration with input and result types. "names" fetches given tools exactly; "server" lists one server's tools; readOnly, destructive, idempotent and openWorld filter by MCP annotations (with or without a query); an empty call lists the servers. Search first, then write one script for execute_code.`;

/**
 * The example in the `execute_code` description. It runs as written on the bundled default config
 * (test/examples.e2e.test.ts) and type-checks against the generated bindings.
 */
export const EXECUTE_CODE_EXAMPLE = `import * as fs from './servers/filesystem';
const { content } = await fs.listAllowedDirectories();
const root = content.split('\\n')[1] ?? '';
const { content: listing } = await fs.listDirectory({ path: root });
export default listing.split('\\n').filter((line) => line.endsWith('.csv'));`;

/** Description of `execute_code`, with the server list so clients that ignore instructions still see it. */
export function executeCodeDescription(servers: ServerStatus[]): string {
  return `Run one TypeScript module in a secure sandbox that calls the MCP servers' tools as typed async functions, and return only its small final output.
Servers (import from './servers/<name>'):
${serverLines(servers)}
Example:
${EXECUTE_CODE_EXAMPLE}
Keep data in the script: filter and aggregate there, export default only what is needed. console.log is captured. Failing tools throw ToolError. Limits: time, memory and output tokens.`;
}
