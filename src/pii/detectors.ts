import { isIPv4, isIPv6 } from 'node:net';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import type { CountryCode, findPhoneNumbersInText as FindPhoneNumbers } from 'libphonenumber-js/max';
import { requirePeer } from '../util/peers.js';

let phoneFinder: typeof FindPhoneNumbers | undefined;
/** libphonenumber-js with full metadata, loaded when the first text is scanned for phone numbers. */
function findPhoneNumbersInText(
  ...args: Parameters<typeof FindPhoneNumbers>
): ReturnType<typeof FindPhoneNumbers> {
  phoneFinder ??= requirePeer<{ findPhoneNumbersInText: typeof FindPhoneNumbers }>(
    'libphonenumber-js',
    'pii.detectors.phone',
    'libphonenumber-js/max',
  ).findPhoneNumbersInText;
  return phoneFinder(...args);
}

/** Kinds of personal data toolscript detects; the token prefix is the kind, e.g. `[EMAIL_1]`. */
export type PiiType = 'EMAIL' | 'PHONE' | 'CARD' | 'IBAN' | 'SSN' | 'IP' | 'SECRET';

/** Every detector, for config switches: `pii.detectors.<name>`. */
export const PII_TYPES: readonly PiiType[] = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'SSN', 'IP', 'SECRET'];

/** One detected value: `[start, end)` in the text. */
export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
  value: string;
}

export interface DetectOptions {
  /** Detectors to run. @default all */
  types?: readonly PiiType[];
  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2). @default "US" */
  region?: string;
}

/**
 * An e-mail address. Every repetition is bounded (local part 64 characters and domain labels 63,
 * as RFC 5321 allows; at most 10 labels), so a long run without an address (`%a%a…`, `a@a@…`) is
 * scanned in linear time instead of backtracking quadratically.
 */
const EMAIL =
  /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,24}(?![\w-])/g;
/** A stretch that may hold a phone number: digits with spaces, dots, dashes, parentheses, a leading "+". */
const PHONE_CANDIDATE = /[+(]?\d[\d\s().-]{5,}\d(?:\s*(?:ext\.?|x)\s*\d{1,6})?/gi;
/** 13-19 digits, optionally in groups separated by one space or dash. */
const CARD = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g;
/** Issuer prefixes of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
const CARD_ISSUER =
  /^(4|5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720)|3[47]|6011|65|64[4-9]|35|30[0-5]|36|38|62|50|5[6-9]|6[37])/;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;
/** Area 001-899 but 666, group 01-99, serial 0001-9999; written with dashes. */
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)/g;
const IPV6 =
  /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{1,4}){0,6}(?![\w:])/g;
/** Well-known secret formats: OpenAI/Anthropic, Stripe, GitHub, AWS, Slack, Google. */
const SECRET_PREFIXED =
  /(?<![\w-])(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|(?:AKIA|ASIA)[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})(?![\w-])/g;
/** A long token right after a key-like name: `api_key = "…"`, `token: …`, `password=…`. */
const SECRET_ASSIGNED =
  /\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|token|password|passwd|client[_-]?secret)["']?\s*[:=]\s*["']?([A-Za-z0-9_\-/+=.]{16,})/gi;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) yield m;
}

type Finder = (text: string, region: string) => Omit<PiiMatch, 'type'>[];

const FINDERS: Record<PiiType, Finder> = {
  EMAIL: (text) =>
    [...matches(EMAIL, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
  PHONE: (text, region) => {
    const found: Omit<PiiMatch, 'type'>[] = [];
    // libphonenumber scans slowly; hand it only the runs of digits and separators that could be numbers.
    for (const candidate of matches(PHONE_CANDIDATE, text)) {
      // A number has 7 to 15 digits (E.164), plus an extension at most.
      const digits = candidate[0].replace(/\D/g, '').length;
      if (digits < 7 || digits > 21) continue;
      for (const { startsAt, endsAt } of findPhoneNumbersInText(candidate[0], {
        defaultCountry: region as CountryCode,
      })) {
        let start = candidate.index + startsAt;
        const end = candidate.index + endsAt;
        // libphonenumber keeps an opening parenthesis before "+": "(+1 …" — drop it when unbalanced.
        if (text[start] === '(' && !text.slice(start, end).includes(')')) start++;
        const written = text.slice(start, end);
        // Not part of a longer identifier ("ORD-2024-118823"), not an IPv4 address.
        if (/[\w#/.-]/.test(text[start - 1] ?? ' ') || /[\w/-]/.test(text[end] ?? ' ') || isIPv4(written))
          continue;
        // Written as a phone number: a leading "+" or separators between digits. A bare run of
        // digits (an order id, a timestamp) is not taken for one.
        if (written.startsWith('+') || /\d[\s().-]+\d/.test(written) || written.startsWith('(')) {
          found.push({ start, end, value: written });
        }
      }
    }
    return found;
  },
  CARD: (text) =>
    [...matches(CARD, text)]
      .filter((m) => {
        const digits = m[0].replace(/\D/g, '');
        return CARD_ISSUER.test(digits) && luhn(digits) && !/^(\d)\1+$/.test(digits);
      })
      .map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
  IBAN: (text) =>
    [...matches(IBAN, text)]
      .filter((m) => isValidIBAN(electronicFormatIBAN(m[0]) ?? ''))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
  SSN: (text) =>
    [...matches(SSN, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
  IP: (text) => [
    ...[...matches(IPV4, text)]
      // "v1.2.3.4" and "version 1.2.3.4" are versions, not addresses.
      .filter(
        (m) =>
          isIPv4(m[0]) && !/(?:^|[^\w])v(?:ersion)?\s*$/i.test(text.slice(Math.max(0, m.index - 9), m.index)),
      )
      .map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
    ...[...matches(IPV6, text)]
      .filter((m) => isIPv6(m[0]) && (m[0].match(/:/g)?.length ?? 0) >= 2 && /[0-9a-f]{2}/i.test(m[0]))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, value: m[0] })),
  ],
  SECRET: (text) => [
    ...[...matches(SECRET_PREFIXED, text)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
      value: m[0],
    })),
    ...[...matches(SECRET_ASSIGNED, text)]
      .filter((m) => {
        const value = m[1] as string;
        return entropy(value) >= 3.5 && /\d/.test(value) && /[A-Za-z]/.test(value);
      })
      .map((m) => {
        const value = m[1] as string;
        const start = m.index + m[0].length - value.length;
        return { start, end: start + value.length, value };
      }),
  ],
};

/**
 * Finds personal data in `text`, earliest first; where matches overlap, the longer one wins.
 * Detectors and their rules:
 * - EMAIL: address syntax with a dotted domain and a 2-24 letter top-level domain;
 * - PHONE: libphonenumber-js (full metadata) validates the number for its country (`region`
 *   for numbers without `+`); it must be written as a phone number (a `+` or separators), so bare
 *   digit runs such as order ids are left alone;
 * - CARD: 13-19 digits (groups of spaces or dashes allowed), a major issuer's prefix, Luhn checksum;
 * - IBAN: country code, check digits and BBAN, ISO 13616 checksum (ibantools);
 * - SSN: US social security number written `AAA-GG-SSSS`, with the SSA's never-issued ranges excluded;
 * - IP: IPv4 (not after "v"/"version") and IPv6, validated by `node:net`;
 * - SECRET: well-known key formats (`sk-…`, `sk_live_…`, `ghp_…`, `github_pat_…`, `AKIA…`, `xox…-`,
 *   `AIza…`), and long high-entropy (≥ 3.5 bits/char) letters-and-digits values right after a
 *   key-like name (`api_key=`, `token:`, `password=` …).
 */
export function detectPii(text: string, options: DetectOptions = {}): PiiMatch[] {
  const region = options.region ?? 'US';
  const found: PiiMatch[] = [];
  for (const type of options.types ?? PII_TYPES) {
    for (const match of FINDERS[type](text, region)) found.push({ type, ...match });
  }
  // Earliest first; on the same span the longer match, then the more specific type (phone last).
  const rank = (type: PiiType) => (type === 'PHONE' ? 1 : 0);
  found.sort(
    (a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || rank(a.type) - rank(b.type),
  );
  const kept: PiiMatch[] = [];
  for (const match of found) {
    const last = kept.at(-1);
    if (last && match.start < last.end) continue;
    kept.push(match);
  }
  return kept;
}
