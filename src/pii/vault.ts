import { readFile, writeFile } from 'node:fs/promises';
import { seal, unseal } from '../util/sealed.js';
import { type DetectOptions, detectPii, type PiiType } from './detectors.js';

const TOKEN = /\[(EMAIL|PHONE|CARD|IBAN|SSN|IP|SECRET)_(\d+)\]/g;

/**
 * One session's mapping between personal data and tokens. The same value always gets the same
 * token within the vault, and each type is numbered on its own: `[EMAIL_1]`, `[EMAIL_2]`,
 * `[PHONE_1]`. Values live in memory; {@link PiiVault.save} writes them only encrypted.
 */
export class PiiVault {
  private readonly tokens = new Map<string, string>();
  private readonly values = new Map<string, string>();
  private readonly counters = new Map<PiiType, number>();

  constructor(private readonly detect: DetectOptions = {}) {}

  /** Number of distinct values held. */
  get size(): number {
    return this.values.size;
  }

  /** Replaces every detected value in `text` with its token. */
  tokenizeText(text: string): string {
    const found = detectPii(text, this.detect);
    if (found.length === 0) return text;
    let out = '';
    let position = 0;
    for (const match of found) {
      out += text.slice(position, match.start) + this.tokenFor(match.type, match.value);
      position = match.end;
    }
    return out + text.slice(position);
  }

  /**
   * Tokenizes every string inside a JSON value (keys included), returning a copy. Integers of 7 to
   * 19 digits are scanned as their decimal text too (a card or phone number stored as a JSON
   * number); one that holds personal data becomes its token, a string.
   */
  tokenize<T>(value: T): T {
    return mapStrings(value, (s) => this.tokenizeText(s), true) as T;
  }

  /**
   * Replaces this vault's tokens inside every string of a JSON value with the real values;
   * unknown tokens stay as they are.
   * @returns the copy, and how many tokens of each type were replaced.
   */
  untokenize<T>(value: T): { value: T; replaced: Partial<Record<PiiType, number>> } {
    const replaced: Partial<Record<PiiType, number>> = {};
    const out = mapStrings(value, (s) =>
      s.replace(TOKEN, (token, type: PiiType) => {
        const real = this.values.get(token);
        if (real === undefined) return token;
        replaced[type] = (replaced[type] ?? 0) + 1;
        return real;
      }),
    ) as T;
    return { value: out, replaced };
  }

  private tokenFor(type: PiiType, value: string): string {
    let token = this.tokens.get(`${type}\u0000${value}`);
    if (!token) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      token = `[${type}_${n}]`;
      this.tokens.set(`${type}\u0000${value}`, token);
      this.values.set(token, value);
    }
    return token;
  }

  /**
   * The vault encrypted with AES-256-GCM: a random 12-byte IV, the 16-byte tag, then the
   * ciphertext of its values and counters as JSON; never a value in plaintext.
   * @param key 32 bytes, e.g. from `TOOLSCRIPT_PII_KEY` (64 hex digits).
   */
  seal(key: Buffer): Buffer {
    return seal(Buffer.from(JSON.stringify({ values: [...this.values], counters: [...this.counters] })), key);
  }

  /**
   * Replaces what the vault holds with a vault {@link seal}ed earlier.
   * @throws when the key is wrong or the data was altered (GCM authentication fails).
   */
  unseal(data: Buffer, key: Buffer): void {
    const plain = unseal(data, key).toString('utf8');
    const parsed = JSON.parse(plain) as { values: [string, string][]; counters: [PiiType, number][] };
    this.values.clear();
    this.tokens.clear();
    this.counters.clear();
    for (const [token, value] of parsed.values) {
      this.values.set(token, value);
      const type = token.slice(1, token.lastIndexOf('_')) as PiiType;
      this.tokens.set(`${type}\u0000${value}`, token);
    }
    for (const [type, n] of parsed.counters) this.counters.set(type, n);
  }

  /** Writes the vault to `file`, {@link seal}ed with `key` (32 bytes), readable by its owner only. */
  async save(file: string, key: Buffer): Promise<void> {
    await writeFile(file, this.seal(key), { mode: 0o600 });
  }

  /**
   * Reads a vault written by {@link save}.
   * @throws when the key is wrong or the file was altered (GCM authentication fails).
   */
  static async load(file: string, key: Buffer, detect: DetectOptions = {}): Promise<PiiVault> {
    const vault = new PiiVault(detect);
    vault.unseal(await readFile(file), key);
    return vault;
  }
}

function mapStrings(value: unknown, map: (s: string) => string, numbers = false): unknown {
  if (typeof value === 'string') return map(value);
  if (numbers && typeof value === 'number' && Number.isInteger(value)) {
    const text = String(value);
    if (/^-?\d{7,19}$/.test(text)) {
      const mapped = map(text);
      return mapped === text ? value : mapped;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map, numbers));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [map(k), mapStrings(v, map, numbers)]));
  }
  return value;
}
