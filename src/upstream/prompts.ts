import { ErrorCode, type GetPromptResult, McpError, type Prompt } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamUnavailableError } from '../errors.js';
import type { UpstreamConnection } from './connection.js';

/** Longest wait for an upstream's prompt list or prompt, in ms. */
const PROMPT_TIMEOUT_MS = 30_000;

/**
 * Every prompt of one server, following `nextCursor` pages; none when the server does not declare
 * the prompts capability.
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export async function listPrompts(connection: UpstreamConnection): Promise<Prompt[]> {
  const client = await connection.connect();
  if (!client.getServerCapabilities()?.prompts) return [];
  const prompts: Prompt[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await client.listPrompts(cursor ? { cursor } : {}, { timeout: PROMPT_TIMEOUT_MS });
      prompts.push(...page.prompts);
      cursor = page.nextCursor;
    } while (cursor);
  } catch (error) {
    throw new UpstreamUnavailableError(
      connection.name,
      `prompts/list failed: ${(error as Error).message}`,
      '',
      {
        cause: error,
      },
    );
  }
  return prompts;
}

/**
 * One prompt, as the server renders it for `args`.
 * @throws {McpError} with the server's own code and message when it refuses the request
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export async function getPrompt(
  connection: UpstreamConnection,
  name: string,
  args: Record<string, string>,
): Promise<GetPromptResult> {
  const client = await connection.connect();
  try {
    return await client.getPrompt({ name, arguments: args }, { timeout: PROMPT_TIMEOUT_MS });
  } catch (error) {
    // The server answered with an error (e.g. a missing argument): pass its word on as it is.
    if (
      error instanceof McpError &&
      error.code !== ErrorCode.RequestTimeout &&
      error.code !== ErrorCode.ConnectionClosed
    )
      throw new McpError(
        error.code,
        `${connection.name}.${name}: ${error.message.replace(/^(MCP error -?\d+: )+/, '')}`,
      );
    throw new UpstreamUnavailableError(
      connection.name,
      `prompts/get ${name} failed: ${(error as Error).message}`,
      '',
      {
        cause: error,
      },
    );
  }
}
