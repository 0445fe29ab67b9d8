import type { GetPromptResult, Prompt } from '@modelcontextprotocol/server';
import { UpstreamUnavailableError } from '../errors.js';
import type { UpstreamConnection } from './connection.js';
import { listAllPages, refusal, UPSTREAM_REQUEST_TIMEOUT_MS, UpstreamRefusal } from './listing.js';

/**
 * Every prompt of one server; none when it does not declare the prompts capability.
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export function listPrompts(connection: UpstreamConnection): Promise<Prompt[]> {
  return listAllPages(connection, 'prompts', async (client, cursor) => {
    const page = await client.listPrompts(cursor ? { cursor } : {}, { timeout: UPSTREAM_REQUEST_TIMEOUT_MS });
    return { items: page.prompts, nextCursor: page.nextCursor };
  });
}

/**
 * One prompt, as the server renders it for `args`.
 * @throws {UpstreamRefusal} with the server's own code and message when it refuses the request
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export async function getPrompt(
  connection: UpstreamConnection,
  name: string,
  args: Record<string, string>,
): Promise<GetPromptResult> {
  const client = await connection.connect();
  try {
    return await client.getPrompt({ name, arguments: args }, { timeout: UPSTREAM_REQUEST_TIMEOUT_MS });
  } catch (error) {
    const refused = refusal(error);
    if (refused) throw new UpstreamRefusal(refused.code, `${connection.name}.${name}: ${refused.message}`);
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
