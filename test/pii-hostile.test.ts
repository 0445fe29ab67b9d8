import { describe, expect, it } from 'vitest';
import { detectPii, PII_TYPES, type PiiType } from '../src/pii/detectors.js';
import { PiiVault } from '../src/pii/vault.js';

const SIZE = 200_000;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

/**
 * Inputs built to make each detector's pattern backtrack: long runs that almost match. A
 * super-linear pattern takes seconds to minutes on 200 KB of these; a linear one takes milliseconds.
 */
const HOSTILE: Record<PiiType, string[]> = {
  EMAIL: [
    fill('%a'),
    fill('a@'),
    `${fill('a.')}@`,
    `a@${fill('b.')}`,
    fill('a'),
    fill('x@y.'),
    `a@${fill('b-')}`,
  ],
  PHONE: [fill('1 '), `1${fill(' ')}x`, fill('(1)-'), fill('+1.'), `${fill('12-')}ext`],
  CARD: [fill('4 '), fill('4-4 '), fill('41111111111111111 ')],
  IBAN: [fill('DE89 '), `DE89${fill(' 3')}`, fill('GB82WEST')],
  SSN: [fill('123-45-'), fill('1-'), fill('123-')],
  IP: [fill('1.1.'), `1.1.1.1${fill('a')}1`, fill('a:'), fill('1:1:'), fill('::')],
  SECRET: [`sk-${fill('a-')}`, `token${fill(' ')}`, fill('token='), `password=${fill('/+')}`, fill('AKIA')],
};

describe('PII detectors on hostile input (200 KB each)', () => {
  for (const type of PII_TYPES) {
    it(`${type} scans in linear time`, () => {
      for (const text of HOSTILE[type]) {
        const started = performance.now();
        detectPii(text, { types: [type] });
        // A generous bound: quadratic scanning of 200 KB takes far longer than this.
        expect(performance.now() - started, `${type} on ${JSON.stringify(text.slice(0, 12))}…`).toBeLessThan(
          3_000,
        );
      }
    });
  }

  it('still finds ordinary addresses, including many-label domains', () => {
    const found = detectPii('Mail bob@example.org or a.b+c@mail.dept.example.co.uk, not x@y.', {
      types: ['EMAIL'],
    });
    expect(found.map((m) => m.value)).toEqual(['bob@example.org', 'a.b+c@mail.dept.example.co.uk']);
  });
});

describe('personal data stored as JSON numbers', () => {
  it('is scanned as well: a card number becomes its token, ordinary numbers stay numbers', () => {
    const vault = new PiiVault();
    const shown = vault.tokenize({ card: 4111111111111111, amount: 1250, year: 2024, id: 12345678 });
    expect(shown).toEqual({ card: '[CARD_1]', amount: 1250, year: 2024, id: 12345678 });
    expect(vault.untokenize(shown).value).toEqual({
      card: '4111111111111111',
      amount: 1250,
      year: 2024,
      id: 12345678,
    });
  });
});
