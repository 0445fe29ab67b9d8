import { resolve } from 'node:path';
import type { ToolscriptConfig } from '../config/index.js';
import type { JsonValue } from '../sandbox/contract.js';
import { sessionLabel } from '../util/session-label.js';
import { PiiAuditLog } from './audit.js';
import { PII_TYPES } from './detectors.js';
import { PiiVault } from './vault.js';

/** The parts of an execution the model sees, which tokenization rewrites. */
interface Visible {
  result: unknown;
  logs: string[];
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
}

/**
 * The gateway's PII policy from the config: vaults with the configured detectors and region,
 * tokenization of what the model sees, and untokenization of call arguments per server, audited.
 */
export class PiiGuard {
  private auditLog: PiiAuditLog | undefined;

  constructor(private readonly config: Pick<ToolscriptConfig, 'pii' | 'mcpServers'>) {}

  /** True when `pii.enabled` is set. */
  get enabled(): boolean {
    return this.config.pii.enabled;
  }

  /** A vault with the config's detectors and region. */
  newVault(): PiiVault {
    const { detectors, region } = this.config.pii;
    const types = PII_TYPES.filter((type) => detectors[type.toLowerCase() as keyof typeof detectors]);
    return new PiiVault({ types, region });
  }

  /** A copy of `visible` with personal data in the result, logs and error replaced by tokens. */
  tokenize<T extends Visible>(visible: T, vault: PiiVault): T {
    return {
      ...visible,
      result: vault.tokenize(visible.result),
      logs: vault.tokenize(visible.logs),
      error: visible.error ? vault.tokenize(visible.error) : null,
    };
  }

  /**
   * Real values back into a call's arguments, unless the server is set to `pii.untokenize: false`;
   * each replacement is written to the audit log (types and counts, never values).
   */
  async untokenizeArgs(
    vault: PiiVault,
    session: string,
    server: string,
    tool: string,
    args: JsonValue,
  ): Promise<JsonValue> {
    const policy = this.config.mcpServers[server]?.pii;
    if (policy && !policy.untokenize) return args;
    const { value, replaced } = vault.untokenize(args);
    if (Object.keys(replaced).length) {
      this.auditLog ??= new PiiAuditLog(resolve(this.config.pii.auditLog));
      await this.auditLog.record({
        time: new Date().toISOString(),
        session: sessionLabel(session),
        server,
        tool,
        types: replaced,
      });
    }
    return value;
  }
}
