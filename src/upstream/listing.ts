import type { Client } from '@modelcontextprotocol/client';
import { ToolscriptError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamConnection } from './connection.js';
import { isServerRefusal, refusalText } from './sdk.js';

/** Longest wait for one upstream list page, prompt or resource, in ms. */
export const UPSTREAM_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Every item of a paged MCP list (`prompts/list`, `resources/list`), following `nextCursor`;
 * none when the server does not declare `capability`.
 * @throws {UpstreamUnavailableError} when the server cannot be reached or the listing fails
 */
export async function listAllPages<T>(
  connection: UpstreamConnection,
  capability: 'prompts' | 'resources',
  page: (
    client: Client,
    cursor: string | undefined,
  ) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
): Promise<T[]> {
  const client = await connection.connect();
  if (!client.getServerCapabilities()?.[capability]) return [];
  const items: T[] = [];
  let cursor: string | undefined;
  try {
    do {
      const answer = await page(client, cursor);
      items.push(...answer.items);
      cursor = answer.nextCursor;
    } while (cursor);
  } catch (error) {
    throw new UpstreamUnavailableError(
      connection.name,
      `${capability}/list failed: ${(error as Error).message}`,
      '',
      {
        cause: error,
      },
    );
  }
  return items;
}

/**
 * The server's own refusal (a JSON-RPC error it answered with, such as an unknown URI or a missing
 * argument); `undefined` for transport failures
 * (timeouts, a closed connection), which mean the server is unavailable.
 */
export function refusal(error: unknown): { code: number; message: string } | undefined {
  if (!isServerRefusal(error)) return undefined;
  return { code: error.code, message: refusalText(error.message) };
}

/**
 * A server's refusal of a request the gateway passes on (prompts/get): its JSON-RPC code and
 * message, which the MCP layer answers as they are. Defined here so the SDK need not load.
 */
export class UpstreamRefusal extends ToolscriptError {
  static override readonly kind: string = 'UpstreamRefusal';
  constructor(
    /** The server's JSON-RPC error code, e.g. -32602 (invalid params). */
    readonly rpcCode: number,
    message: string,
  ) {
    super('UPSTREAM_REFUSED', message, { rpcCode });
    this.name = 'UpstreamRefusal';
  }
}
