/**
 * A remote MCP server behind MCP authorization, built from the MCP SDK's own server parts: its
 * auth router (discovery metadata, dynamic client registration, authorize, token) with the SDK's
 * auto-approving demo provider, extended with refresh tokens and a short access-token life; its
 * bearer-auth middleware; and real server-everything over Streamable HTTP behind it.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
  getOAuthProtectedResourceMetadataUrl,
  mcpAuthRouter,
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
// @ts-expect-error: server-everything ships JavaScript without declarations
import { createServer as createEverything } from '@modelcontextprotocol/server-everything/dist/server/index.js';
import express from 'express';

/** The demo provider with refresh tokens (it has none) and counters of what clients did. */
class RefreshingProvider extends DemoInMemoryAuthProvider {
  readonly counts = { authorizations: 0, codeExchanges: 0, refreshes: 0, rejected: 0 };
  private readonly refreshTokens = new Map<string, string>();

  constructor(private readonly accessTtlSeconds: number) {
    super();
  }

  override async authorize(...args: Parameters<DemoInMemoryAuthProvider['authorize']>) {
    this.counts.authorizations++;
    return super.authorize(...args);
  }

  override async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    verifier?: string,
  ): Promise<OAuthTokens> {
    const tokens = await super.exchangeAuthorizationCode(client, code, verifier);
    this.counts.codeExchanges++;
    return this.issue(client, tokens.access_token);
  }

  override async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
  ): Promise<OAuthTokens> {
    if (this.refreshTokens.get(refreshToken) !== client.client_id) throw new Error('unknown refresh token');
    this.refreshTokens.delete(refreshToken);
    this.counts.refreshes++;
    const access = randomUUID();
    this.issued.set(access, {
      token: access,
      clientId: client.client_id,
      scopes: [],
      expiresAt: Date.now() + this.accessTtlSeconds * 1000,
      type: 'access',
    });
    return this.issue(client, access);
  }

  override async verifyAccessToken(token: string) {
    try {
      return await super.verifyAccessToken(token);
    } catch (error) {
      this.counts.rejected++;
      // The demo throws a plain Error, which the bearer middleware answers 500; an expired token
      // is a 401 with invalid_token (RFC 6750 §3.1), which is what clients refresh on.
      throw new InvalidTokenError((error as Error).message);
    }
  }

  /** The demo provider's access tokens (a private map of it, read here to set their expiry). */
  private get issued(): Map<
    string,
    { token: string; clientId: string; scopes: string[]; expiresAt: number; type: string }
  > {
    return (this as unknown as { tokens: RefreshingProvider['issued'] }).tokens;
  }

  /** Shortens the access token's life to `accessTtlSeconds` and adds a refresh token. */
  private issue(client: OAuthClientInformationFull, access: string): OAuthTokens {
    const data = this.issued.get(access);
    if (data) data.expiresAt = Date.now() + this.accessTtlSeconds * 1000;
    const refresh = randomUUID();
    this.refreshTokens.set(refresh, client.client_id);
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: this.accessTtlSeconds,
      refresh_token: refresh,
    };
  }
}

export interface OAuthMcpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  counts: RefreshingProvider['counts'];
  /** Dynamic client registrations so far. */
  registrations: () => number;
  close: () => Promise<void>;
}

/** Starts the protected server on a free loopback port; access tokens live `accessTtlSeconds`. */
export async function startOAuthMcpServer(accessTtlSeconds = 3600): Promise<OAuthMcpServer> {
  const provider = new RefreshingProvider(accessTtlSeconds);
  const app = express();
  const listener = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => listener.once('listening', () => resolve()));
  const base = new URL(`http://127.0.0.1:${(listener.address() as AddressInfo).port}`);
  const mcpUrl = new URL('/mcp', base);
  app.use(
    mcpAuthRouter({ provider, issuerUrl: base, resourceServerUrl: mcpUrl, resourceName: 'everything' }),
  );
  const bearer = requireBearerAuth({
    verifier: provider,
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
  });
  app.post('/mcp', express.json(), bearer, async (request, response) => {
    // Stateless: one server-everything and one transport per request.
    const { server, cleanup } = createEverything();
    const transport = new StreamableHTTPServerTransport({});
    response.on('close', () => {
      void transport.close();
      void server.close();
      cleanup();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  app.all('/mcp', bearer, (_request, response) => {
    response.status(405).set('allow', 'POST').end();
  });
  return {
    url: mcpUrl.href,
    counts: provider.counts,
    registrations: () => (provider.clientsStore as unknown as { clients: Map<string, unknown> }).clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        listener.closeAllConnections();
        listener.close(() => resolve());
      }),
  };
}
