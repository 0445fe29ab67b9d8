import type { ReadResourceResult, Resource, ResourceTemplateType } from '@modelcontextprotocol/server';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type { Gateway } from '../gateway/gateway.js';
import type { PiiVault } from '../pii/vault.js';
import { UpstreamRefusal } from '../upstream/listing.js';
import type { TracedHandle } from './request-span.js';

/** Binding resources per `resources/list` page. */
export const RESOURCE_PAGE_SIZE = 100;
/** URI prefix of the generated file tree. */
export const RESOURCE_PREFIX = 'toolscript://';
/** URI prefix of upstream resources: `toolscript://upstream/<server>/<encoded original URI>`. */
export const UPSTREAM_PREFIX = `${RESOURCE_PREFIX}upstream/`;

/** The gateway URI of one upstream resource: server and original URI, each percent-encoded. */
export function upstreamUri(server: string, uri: string): string {
  return `${UPSTREAM_PREFIX}${encodeURIComponent(server)}/${encodeURIComponent(uri)}`;
}

/**
 * Server and original URI of a gateway URI made by {@link upstreamUri} (or by expanding a template
 * made by {@link upstreamTemplate}); `undefined` for any other URI.
 */
export function parseUpstreamUri(uri: string): { server: string; uri: string } | undefined {
  if (!uri.startsWith(UPSTREAM_PREFIX)) return undefined;
  const rest = uri.slice(UPSTREAM_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  try {
    return {
      server: decodeURIComponent(rest.slice(0, slash)),
      uri: decodeURIComponent(rest.slice(slash + 1)),
    };
  } catch {
    return undefined; // a malformed %-escape
  }
}

/**
 * An upstream URI template (RFC 6570) under the gateway's prefix: the literal parts are
 * percent-encoded, the `{expressions}` kept, so a client's expansion reads back through
 * {@link parseUpstreamUri}.
 */
export function upstreamTemplate(server: string, template: string): string {
  const parts = template.split(/(\{[^}]*\})/);
  const encoded = parts.map((part) => (part.startsWith('{') ? part : encodeURIComponent(part))).join('');
  return `${UPSTREAM_PREFIX}${encodeURIComponent(server)}/${encoded}`;
}

/** Where a `resources/list` page starts: in the bindings, or in one server's own pages. */
type Cursor = { b: number } | { s: string; c?: string };

function readCursor(cursor: string | undefined): Cursor {
  if (cursor === undefined) return { b: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if ('b' in parsed && Number.isInteger(parsed.b) && parsed.b >= 0) return parsed;
    if (
      's' in parsed &&
      typeof parsed.s === 'string' &&
      (parsed.c === undefined || typeof parsed.c === 'string')
    )
      return parsed;
  } catch {}
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Invalid cursor: ${cursor}. Start again without one.`,
  );
}

const writeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** The server's error as the client should see it: its own refusal as is, anything else -32603. */
function clientError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof UpstreamRefusal) return new ProtocolError(error.rpcCode, error.message);
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    error instanceof Error ? error.message : String(error),
  );
}

/**
 * The gateway's resources: the generated file tree (`toolscript://servers/<server>/<tool>.ts`, and
 * the template for it) first, then every available upstream server's resources and templates under
 * `toolscript://upstream/<server>/<encoded URI>`, paged one upstream page at a time. A server that
 * cannot list its resources is skipped. `resources/read` of an upstream URI is proxied. With a
 * `vault`, what the client reads is PII-tokenized: listed resources and templates (URIs, names,
 * descriptions) and read text; a read of a URI with tokens in it reads the real one.
 */
export function registerResourceHandlers(
  handle: TracedHandle,
  gateway: Gateway,
  vault: PiiVault | undefined,
): void {
  const offerings = gateway.offerings;
  handle('resources/list', async (request) => {
    let cursor = readCursor(request.params?.cursor);
    if ('b' in cursor) {
      const paths = gateway.bindings.paths();
      if (cursor.b > paths.length)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor: ${request.params?.cursor}`);
      const page = paths.slice(cursor.b, cursor.b + RESOURCE_PAGE_SIZE);
      const next = cursor.b + RESOURCE_PAGE_SIZE;
      const resources: Resource[] = page.map((path) => ({
        uri: `${RESOURCE_PREFIX}${path}`,
        name: path,
        mimeType: 'text/x-typescript',
      }));
      if (next < paths.length) return { resources, nextCursor: writeCursor({ b: next }) };
      cursor = { s: '' };
      if (resources.length) {
        const first = offerings.available('resources')[0];
        return first === undefined ? { resources } : { resources, nextCursor: writeCursor({ s: first }) };
      }
    }
    // One upstream page per gateway page; servers whose listing fails or is empty are passed over.
    const servers = offerings.available('resources');
    let at = servers.findIndex((name) => name >= cursor.s);
    let upstreamCursor = 'c' in cursor ? cursor.c : undefined;
    while (at >= 0 && at < servers.length) {
      const name = servers[at] as string;
      const page = await offerings
        .resourcePage(name, upstreamCursor)
        .catch(() => ({ resources: [] as Resource[], nextCursor: undefined }));
      const nextCursor = page.nextCursor
        ? writeCursor({ s: name, c: page.nextCursor })
        : servers[at + 1] !== undefined
          ? writeCursor({ s: servers[at + 1] as string })
          : undefined;
      if (page.resources.length || !nextCursor) {
        // What the model reads is PII-tokenized, URIs too; a read puts the values back.
        const resources = page.resources.map((listed) => {
          const r = vault ? vault.tokenize(listed) : listed;
          return { ...r, uri: upstreamUri(name, r.uri), name: `${name}.${r.name}` };
        });
        return { resources, ...(nextCursor ? { nextCursor } : {}) };
      }
      if (page.nextCursor) upstreamCursor = page.nextCursor;
      else {
        at++;
        upstreamCursor = undefined;
      }
    }
    return { resources: [] };
  });

  handle('resources/templates/list', async () => {
    const upstream = await Promise.all(
      offerings.available('resources').map(async (name) => {
        const templates = await offerings.resourceTemplates(name).catch(() => [] as ResourceTemplateType[]);
        return templates.map((listed) => {
          const t = vault ? vault.tokenize(listed) : listed;
          return { ...t, uriTemplate: upstreamTemplate(name, t.uriTemplate), name: `${name}.${t.name}` };
        });
      }),
    );
    return {
      resourceTemplates: [
        {
          uriTemplate: `${RESOURCE_PREFIX}servers/{server}/{tool}.ts`,
          name: 'binding',
          description: 'One tool as a TypeScript declaration: its input type, result type and docs.',
          mimeType: 'text/x-typescript',
        },
        ...upstream.flat(),
      ],
    };
  });

  handle('resources/read', async (request): Promise<ReadResourceResult> => {
    const { uri } = request.params;
    const parsed = parseUpstreamUri(uri);
    // A URI listed with tokens in it reads the resource of the real one.
    const upstream = parsed && vault ? { ...parsed, uri: vault.untokenize(parsed.uri).value } : parsed;
    if (upstream) {
      if (!offerings.has(upstream.server))
        throw new ResourceNotFoundError(
          uri,
          `Resource not found: ${uri}: no server "${upstream.server}". List them with resources/list.`,
        );
      const result = await offerings.resource(upstream.server, upstream.uri).catch((error) => {
        throw clientError(error);
      });
      return {
        ...result,
        contents: result.contents.map((content) => ({
          ...content,
          uri: upstreamUri(upstream.server, vault ? vault.tokenizeText(content.uri) : content.uri),
          ...('text' in content && vault ? { text: vault.tokenize(content.text) } : {}),
        })),
      };
    }
    const path = uri.startsWith(RESOURCE_PREFIX) ? uri.slice(RESOURCE_PREFIX.length) : undefined;
    const text = path === undefined ? undefined : await gateway.bindings.read(path, { compact: true });
    if (text === undefined) {
      throw new ResourceNotFoundError(uri, `Resource not found: ${uri}. List them with resources/list.`);
    }
    return { contents: [{ uri, mimeType: 'text/x-typescript', text }] };
  });
}
