import type {
  ListResourcesResult,
  ListResourceTemplatesResult,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
} from '@modelcontextprotocol/server';
import { ResultTooLargeError, ToolscriptError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamConnection } from './connection.js';
import { listAllPages, refusal, UPSTREAM_REQUEST_TIMEOUT_MS, UpstreamRefusal } from './listing.js';

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
 * One page of a server's `resources/list`, for a client paging through the gateway; an empty last
 * page when the server does not declare the resources capability.
 * @throws {UpstreamRefusal} when the server refuses the cursor
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export async function listResourcePage(
  connection: UpstreamConnection,
  cursor: string | undefined,
): Promise<Pick<ListResourcesResult, 'resources' | 'nextCursor'>> {
  const client = await connection.connect();
  if (!client.getServerCapabilities()?.resources) return { resources: [] };
  return passOn(connection, 'resources/list', () =>
    client.listResources(cursor ? { cursor } : {}, { timeout: UPSTREAM_REQUEST_TIMEOUT_MS }),
  );
}

/**
 * Every resource template of one server; none without the resources capability.
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 */
export function listResourceTemplates(connection: UpstreamConnection): Promise<ResourceTemplateType[]> {
  return listAllPages(connection, 'resources', async (client, cursor) => {
    const page: ListResourceTemplatesResult = await client.listResourceTemplates(cursor ? { cursor } : {}, {
      timeout: UPSTREAM_REQUEST_TIMEOUT_MS,
    });
    return { items: page.resourceTemplates, nextCursor: page.nextCursor };
  });
}

/**
 * One resource's contents, as the server sends them (for the gateway's `resources/read`).
 * @throws {UpstreamRefusal} with the server's code and words when it refuses the URI, or -32602 (resource not found)
 *   ("Resource not found") when it offers no resources at all
 * @throws {UpstreamUnavailableError} when the server cannot be reached
 * @throws {ResultTooLargeError} when the contents are over `maxResultBytes`
 */
export async function requestResource(
  connection: UpstreamConnection,
  uri: string,
): Promise<ReadResourceResult> {
  const client = await connection.connect();
  if (!client.getServerCapabilities()?.resources)
    throw new UpstreamRefusal(
      RESOURCE_NOT_FOUND,
      `${connection.name} offers no resources, so ${uri} cannot be read`,
    );
  const result = await passOn(connection, 'resources/read', () =>
    client.readResource({ uri }, { timeout: UPSTREAM_REQUEST_TIMEOUT_MS }),
  );
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes > connection.maxResultBytes())
    throw new ResultTooLargeError(connection.name, 'resources/read', bytes, connection.maxResultBytes());
  return result;
}

/**
 * "Resource not found" in the MCP specification (server/resources, Error Handling): -32602 with
 * `data.uri` since 2026-07-28, which every revision's clients accept (earlier servers sent -32002).
 */
export const RESOURCE_NOT_FOUND = -32602;

/**
 * One resource's contents, for a script (`./client`'s `readResource`).
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
    return await requestResource(connection, uri);
  } catch (error) {
    if (!(error instanceof UpstreamRefusal)) throw error;
    throw new ToolscriptError('TOOL_ERROR', `${connection.name} could not read ${uri}: ${error.message}`, {
      server: connection.name,
      uri,
    });
  }
}

/** Runs one request; the server's refusal becomes {@link UpstreamRefusal}, anything else unavailability. */
async function passOn<T>(
  connection: UpstreamConnection,
  method: string,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const refused = refusal(error);
    if (refused) throw new UpstreamRefusal(refused.code, refused.message);
    // A message over maxResultBytes closed the connection: the answer was too large.
    if (connection.takeOversized())
      throw new ResultTooLargeError(connection.name, method, undefined, connection.maxResultBytes());
    throw new UpstreamUnavailableError(connection.name, `${method} failed: ${(error as Error).message}`, '', {
      cause: error,
    });
  }
}
