import { randomBytes } from 'node:crypto';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { ToolscriptError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CredentialStore } from './credentials.js';

/** The one line a gateway reports for a server that needs a login it does not have. */
export function needsLoginMessage(server: string): string {
  return `needs \`toolscript auth login ${server}\` (it uses OAuth and has no valid token)`;
}

/**
 * Raised inside the MCP SDK's auth flow when the gateway would have to send a person to the
 * authorization server: only `toolscript auth login` can do that.
 */
export class NeedsLoginError extends ToolscriptError {
  static override readonly kind: string = 'NeedsLoginError';
  constructor(readonly server: string) {
    super('NEEDS_LOGIN', needsLoginMessage(server), { server });
    this.name = 'NeedsLoginError';
  }
}

/** The redirect URL the gateway names but never uses (see {@link StoredOAuthProvider.redirectUrl}). */
const UNUSED_REDIRECT_URL = 'http://127.0.0.1/toolscript-auth-login';

/** How a login sends the person to the authorization server, and where it comes back. */
export interface Interactive {
  /** The loopback URL the authorization server redirects to, e.g. `http://127.0.0.1:41234/callback`. */
  redirectUrl: string;
  /** Shows (and opens) the authorization URL. */
  redirect: (url: URL) => void | Promise<void>;
}

/**
 * The MCP SDK's `OAuthClientProvider` for one remote server, keeping everything in a
 * {@link CredentialStore}: the registered client, tokens (refreshed by the SDK when the server
 * answers 401), the PKCE verifier and discovery state.
 *
 * Without `interactive` (the gateway) it never starts a login: when the SDK would need one, it
 * throws {@link NeedsLoginError}. With it (`toolscript auth login`), it registers a public client
 * for the loopback redirect (authorization code with PKCE, RFC 7636; dynamic client registration,
 * RFC 7591) and hands the authorization URL to `interactive.redirect`.
 */
export class StoredOAuthProvider implements OAuthClientProvider {
  /** The `state` sent with the authorization request, to check on the redirect. */
  readonly expectedState = randomBytes(16).toString('base64url');

  constructor(
    readonly server: string,
    private readonly credentials: CredentialStore,
    private readonly interactive?: Interactive,
  ) {}

  /**
   * The login's loopback URL. The gateway has none of its own, but must name one: the SDK takes a
   * provider without a redirect URL for a client-credentials client. It is never visited, since
   * the gateway never starts an authorization (see {@link redirectToAuthorization}).
   */
  get redirectUrl(): string {
    return this.interactive?.redirectUrl ?? UNUSED_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `toolscript ${VERSION}`,
      redirect_uris: this.interactive ? [this.interactive.redirectUrl] : [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    return this.expectedState;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const stored = (await this.credentials.get(this.server))?.clientInformation;
    if (!this.interactive) {
      if (!stored) throw new NeedsLoginError(this.server);
      return stored;
    }
    // A login registers again unless the stored client has this login's redirect URL.
    const uris = (stored as { redirect_uris?: string[] } | undefined)?.redirect_uris ?? [];
    return uris.includes(this.interactive.redirectUrl) ? stored : undefined;
  }

  async saveClientInformation(clientInformation: OAuthClientInformationMixed): Promise<void> {
    if (!this.interactive) throw new NeedsLoginError(this.server);
    await this.credentials.update(this.server, (c) => ({ ...c, clientInformation }));
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    return (await this.credentials.get(this.server))?.tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.credentials.update(this.server, (c) => ({ ...c, tokens, tokensSavedAt: Date.now() }));
  }

  redirectToAuthorization(url: URL): void | Promise<void> {
    if (!this.interactive) throw new NeedsLoginError(this.server);
    return this.interactive.redirect(url);
  }

  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    await this.credentials.update(this.server, (c) => ({ ...c, codeVerifier }));
  }

  async codeVerifier(): Promise<string> {
    const verifier = (await this.credentials.get(this.server))?.codeVerifier;
    if (!verifier)
      throw new Error(`No login under way for ${this.server}; run toolscript auth login ${this.server}`);
    return verifier;
  }

  async saveDiscoveryState(discoveryState: OAuthDiscoveryState): Promise<void> {
    await this.credentials.update(this.server, (c) => ({ ...c, discoveryState }));
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.credentials.get(this.server))?.discoveryState;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'all') {
      await this.credentials.delete(this.server);
      return;
    }
    const field = {
      client: 'clientInformation',
      tokens: 'tokens',
      verifier: 'codeVerifier',
      discovery: 'discoveryState',
    } as const;
    await this.credentials.update(this.server, (c) => ({ ...c, [field[scope]]: undefined }));
  }
}
