import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  OAuthClientInformationMixed,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { ToolscriptError } from '../errors.js';
import type { SessionStore } from '../store/store.js';
import { seal, unseal } from '../util/sealed.js';

/** What toolscript keeps per remote server after `toolscript auth login`. */
export interface OAuthCredentials {
  /** The client registered with the authorization server (dynamic client registration). */
  clientInformation?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  /** When `tokens` were saved, in ms since the epoch (their `expires_in` counts from here). */
  tokensSavedAt?: number;
  /** The PKCE verifier of a login under way. */
  codeVerifier?: string;
  /** The authorization server found by discovery, so a refresh need not discover again. */
  discoveryState?: OAuthDiscoveryState;
}

/** Folder under the data folder (and name of the store's shared folder) for OAuth credentials. */
export const OAUTH_FOLDER = 'oauth';
/** Environment variable with the credentials key: 64 hex digits (32 bytes). */
export const OAUTH_KEY_ENV = 'TOOLSCRIPT_OAUTH_KEY';

/** Raised when credentials cannot be kept safely: a store without `TOOLSCRIPT_OAUTH_KEY`. */
export class CredentialsKeyError extends ToolscriptError {
  static override readonly kind: string = 'CredentialsKeyError';
  constructor(message: string) {
    super('CREDENTIALS_KEY', message);
    this.name = 'CredentialsKeyError';
  }
}

/**
 * OAuth credentials per server, each sealed with AES-256-GCM (see `util/sealed.ts`): files
 * `<dataDir>/oauth/<server>.bin` (mode 0600), or, with a session store, the store's shared folder
 * `oauth`, so every replica uses and refreshes the same tokens.
 *
 * The key is `TOOLSCRIPT_OAUTH_KEY` (64 hex digits) when set. Without it, files are sealed with
 * `<dataDir>/oauth/key` (32 random bytes, mode 0600, made on first use); a store requires the
 * variable, since every replica needs the same key.
 */
export class CredentialStore {
  private key: Buffer | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly store?: SessionStore,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Where credentials are kept, for messages: a folder, or the store. */
  get location(): string {
    return this.store ? `the session store (shared folder "${OAUTH_FOLDER}")` : this.folder;
  }

  private get folder(): string {
    return join(this.dataDir, OAUTH_FOLDER);
  }

  private fileName(server: string): string {
    return `${encodeURIComponent(server)}.bin`;
  }

  /**
   * The credentials of one server; `undefined` when there are none, or when they cannot be
   * opened (another key).
   * @throws {CredentialsKeyError} with a store and no `TOOLSCRIPT_OAUTH_KEY`
   */
  async get(server: string): Promise<OAuthCredentials | undefined> {
    const data = await this.read(server);
    if (!data) return undefined;
    try {
      return JSON.parse(unseal(data, await this.sealingKey(false)).toString('utf8')) as OAuthCredentials;
    } catch (error) {
      if (error instanceof CredentialsKeyError) throw error;
      return undefined;
    }
  }

  /**
   * Replaces one server's credentials.
   * @throws {CredentialsKeyError} with a store and no `TOOLSCRIPT_OAUTH_KEY`
   */
  async set(server: string, credentials: OAuthCredentials): Promise<void> {
    const data = seal(Buffer.from(JSON.stringify(credentials)), await this.sealingKey(true));
    const name = this.fileName(server);
    if (this.store) return this.store.updateShared(OAUTH_FOLDER, new Map([[name, data]]), []);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await writeFile(join(this.folder, name), data, { mode: 0o600 });
  }

  /** Changes one server's credentials with `change`, which gets the current ones (or `{}`). */
  async update(server: string, change: (current: OAuthCredentials) => OAuthCredentials): Promise<void> {
    await this.set(server, change((await this.get(server)) ?? {}));
  }

  /** Forgets one server's credentials. @returns whether there were any. */
  async delete(server: string): Promise<boolean> {
    const name = this.fileName(server);
    const existed = (await this.read(server)) !== undefined;
    if (this.store) await this.store.updateShared(OAUTH_FOLDER, new Map(), [name]);
    else await rm(join(this.folder, name), { force: true });
    return existed;
  }

  /** Names of the servers that have credentials, sorted. */
  async servers(): Promise<string[]> {
    const names = this.store
      ? [...(await this.store.getShared(OAUTH_FOLDER)).keys()]
      : await readdir(this.folder).catch(() => [] as string[]);
    return names
      .filter((name) => name.endsWith('.bin'))
      .map((name) => decodeURIComponent(name.slice(0, -'.bin'.length)))
      .sort();
  }

  private async read(server: string): Promise<Buffer | undefined> {
    const name = this.fileName(server);
    if (this.store) return (await this.store.getShared(OAUTH_FOLDER)).get(name);
    return readFile(join(this.folder, name)).catch(() => undefined);
  }

  private async sealingKey(create: boolean): Promise<Buffer> {
    if (this.key) return this.key;
    const hex = this.env[OAUTH_KEY_ENV];
    if (hex !== undefined && hex !== '') {
      if (!/^[0-9a-fA-F]{64}$/.test(hex))
        throw new CredentialsKeyError(`${OAUTH_KEY_ENV} must be 64 hex digits (e.g. openssl rand -hex 32).`);
      this.key = Buffer.from(hex, 'hex');
      return this.key;
    }
    if (this.store)
      throw new CredentialsKeyError(
        `With a session store, set ${OAUTH_KEY_ENV} to 64 hex digits (e.g. openssl rand -hex 32): OAuth tokens are kept in the store encrypted with it, and every replica needs the same key.`,
      );
    const file = join(this.folder, 'key');
    const existing = await readFile(file).catch(() => undefined);
    if (existing?.length === 32) this.key = existing;
    else if (create) {
      const key = randomBytes(32);
      await mkdir(this.folder, { recursive: true, mode: 0o700 });
      await writeFile(file, key, { mode: 0o600 });
      this.key = key;
    } else return randomBytes(32); // no key yet: nothing sealed can open
    return this.key;
  }
}
