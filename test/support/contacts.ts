import { en, en_US, Faker } from '@faker-js/faker';
import { isValidIBAN } from 'ibantools';
import { isValidPhoneNumber } from 'libphonenumber-js/max';

/** One made-up contact with real-format personal data. */
export interface Contact {
  name: string;
  email: string;
  phone: string;
  card: string;
  iban: string;
}

/**
 * `count` contacts from @faker-js/faker (seeded, so every run gets the same set). Values that
 * fail the real checks (libphonenumber validity, IBAN checksum, card Luhn) are regenerated.
 */
export function makeContacts(count: number, seed = 42): Contact[] {
  const faker = new Faker({ locale: [en_US, en] });
  faker.seed(seed);
  const contacts: Contact[] = [];
  while (contacts.length < count) {
    const phone = faker.phone.number({ style: 'international' });
    const iban = faker.finance.iban({ formatted: true });
    const card = faker.finance.creditCardNumber({
      issuer: faker.helpers.arrayElement(['visa', 'mastercard', 'amex', 'discover']),
    });
    if (!isValidPhoneNumber(phone) || !isValidIBAN(iban.replace(/ /g, '')) || !luhn(card.replace(/\D/g, '')))
      continue;
    contacts.push({
      name: faker.person.fullName(),
      email: faker.internet.email().toLowerCase(),
      phone,
      card,
      iban,
    });
  }
  return contacts;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Strings that look like data but are not personal data: none may be detected. */
export const NEGATIVES = [
  'version 1.2.3',
  'v2.10.4.1',
  'release 4.18.2 shipped',
  'node 20.20.2',
  '2024-01-15',
  '15/01/2024 10:30:45',
  '2026-11-22T04:58:09Z',
  'order 4155552671',
  'order #ORD-2024-118823',
  'invoice 20240115-0042',
  'sha a2a3f4b6fcd9d42fc4e98f235a182bb9f2f8ec50',
  'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'uuid 123e4567-e89b-12d3-a456-426614174000',
  'id 550e8400-e29b-41d4-a716-446655440000',
  'the total was 1234567890123456 cents',
  'zip 94105-1234',
  'tracking 1Z999AA10123456784',
  'port 8080, pid 12345',
  'ratio 3.14159265358979',
  'at 12:30:45.123',
  'isbn 978-3-16-148410-0',
  'call me maybe',
  'user@localhost',
  'file report.final.v2.pdf',
  'token count 4000',
  'commit 388f6ff0dfbfc13b4167a126ed5e7bea7c6060dd by maintainers',
];
