import type { ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';
import { ToolscriptError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamConnection } from './connection.js';
import { listAllPages, refusal, UPSTREAM_REQUEST_TIMEOUT_MS } from './listing.js';

/**
 * Every resource of one server; none when it does not declare the resources capability.
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export function listResources(connection: UpstreamConnection): Promise<Resource[]> {
  return listAllPages(connection, 'resources', async (client, cursor) => {
    const page = await client.listResources(cursor ? { cursor } : {}, {
      timeout: UPSTREAM_REQUEST_TIMEOUT_MS,
    });
    return { items: page.resources, nextCursor: page.nextCursor };
  });
}

/**
 * One resource's contents.
 * @throws {ToolscriptError} `TOOL_ERROR` when the server offers no resources, or refuses the URI
 *   (with its words)
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export async function readResource(connection: UpstreamConnection, uri: string): Promise<ReadResourceResult> {
  const client = await connection.connect();
  if (!client.getServerCapabilities()?.resources)
    throw new ToolscriptError(
      'TOOL_ERROR',
      `${connection.name} offers no resources, so ${uri} cannot be read; listResources('${connection.name}') lists what a server offers.`,
      { server: connection.name, uri },
    );
  try {
    return await client.readResource({ uri }, { timeout: UPSTREAM_REQUEST_TIMEOUT_MS });
  } catch (error) {
    const refused = refusal(error);
    if (refused)
      throw new ToolscriptError(
        'TOOL_ERROR',
        `${connection.name} could not read ${uri}: ${refused.message}`,
        {
          server: connection.name,
          uri,
        },
      );
    throw new UpstreamUnavailableError(
      connection.name,
      `resources/read failed: ${(error as Error).message}`,
      '',
      {
        cause: error,
      },
    );
  }
}
