import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import { type Gateway, PII_NOTE } from '../src/gateway/gateway.js';
import { PiiAuditLog } from '../src/pii/audit.js';
import { detectPii } from '../src/pii/detectors.js';
import { PiiVault } from '../src/pii/vault.js';
import { sessionLabel } from '../src/util/session-label.js';
import { type Contact, makeContacts, NEGATIVES } from './support/contacts.js';
import { MEMORY, stdioServer } from './support/servers.js';

describe('PII detectors', () => {
  const contacts = makeContacts(300);

  it.each([
    ['email', 'EMAIL'],
    ['phone', 'PHONE'],
    ['card', 'CARD'],
    ['iban', 'IBAN'],
  ] as const)('finds every %s of 300 generated contacts', (field, type) => {
    const missed = contacts.filter(
      (c) =>
        !detectPii(`Contact ${c.name}: ${field} ${c[field]}.`).some(
          (m) => m.type === type && m.value === c[field],
        ),
    );
    expect(missed.map((c) => c[field])).toEqual([]);
  });

  it.each([
    ['SSN', 'ssn 123-45-6789', '123-45-6789'],
    ['IP', 'from 192.168.10.23 at noon', '192.168.10.23'],
    ['IP', 'host 2001:db8:85a3::8a2e:370:7334 up', '2001:db8:85a3::8a2e:370:7334'],
    ['SECRET', 'OPENAI_API_KEY=sk-proj-Qw3rTy8uIo9pAs2dFg5hJk7lZx', 'sk-proj-Qw3rTy8uIo9pAs2dFg5hJk7lZx'],
    ['SECRET', 'key AKIAIOSFODNN7EXAMPLE leaked', 'AKIAIOSFODNN7EXAMPLE'],
    ['SECRET', 'password: "h7Gk2pLq9ZxW4mRt"', 'h7Gk2pLq9ZxW4mRt'],
  ])('finds a %s', (type, text, value) => {
    expect(detectPii(text)).toEqual([expect.objectContaining({ type, value })]);
  });

  it('leaves versions, dates, order ids, hashes and UUIDs alone', () => {
    expect(NEGATIVES.filter((text) => detectPii(text).length > 0)).toEqual([]);
  });
});

describe('PII vault', () => {
  it('gives the same value the same token and numbers each type on its own', () => {
    const vault = new PiiVault();
    const text = vault.tokenizeText('a@x.org, b@y.org, a@x.org, +1 415-555-2671');
    expect(text).toBe('[EMAIL_1], [EMAIL_2], [EMAIL_1], [PHONE_1]');
    expect(vault.untokenize({ to: ['[EMAIL_2]', '[EMAIL_9]'] })).toEqual({
      value: { to: ['b@y.org', '[EMAIL_9]'] },
      replaced: { EMAIL: 1 },
    });
  });

  it('persists only encrypted, and refuses a wrong key', async () => {
    const vault = new PiiVault();
    vault.tokenizeText('write to carol@example.com');
    const file = join(mkdtempSync(join(tmpdir(), 'toolscript-vault-')), 'vault.bin');
    const key = randomBytes(32);
    await vault.save(file, key);
    expect(readFileSync(file).includes(Buffer.from('carol@example.com'))).toBe(false);
    const loaded = await PiiVault.load(file, key);
    expect(loaded.untokenize('[EMAIL_1]').value).toBe('carol@example.com');
    expect(loaded.tokenizeText('dave@example.com')).toBe('[EMAIL_2]');
    await expect(PiiVault.load(file, randomBytes(32))).rejects.toThrow();
  });
});

describe('PII tokenization through the gateway, on server-memory', () => {
  let gateway: Gateway;
  let dir: string;
  const contacts: Contact[] = makeContacts(300, 7);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolscript-pii-'));
    gateway = await createGateway(
      parseConfig({
        mcpServers: {
          crm: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'crm.jsonl') }),
          outside: {
            ...stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'outside.jsonl') }),
            pii: { untokenize: false },
          },
        },
        pii: { enabled: true, auditLog: join(dir, 'audit.jsonl') },
      }),
    );
    // Real values go in through a script: tools and scripts see real data.
    const stored = await gateway.execute(`
      import { createEntities } from './servers/crm';
      const contacts = ${JSON.stringify(contacts)};
      await createEntities({ entities: contacts.map((c) => ({ name: c.name, entityType: 'contact',
        observations: ['email ' + c.email, 'phone ' + c.phone, 'card ' + c.card, 'iban ' + c.iban] })) });
      export default contacts.length;`);
    expect(stored.result).toBe(300);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('shows the model tokens, never the values, while the script works on real values', async () => {
    const vault = gateway.newVault();
    const execution = await gateway.execute(
      `import { readGraph } from './servers/crm';
       const { entities } = await readGraph();
       console.log('first email', entities[0].observations[0]);
       const gmail = entities.filter((e) => e.observations[0].endsWith('@gmail.com')).length;
       export default { gmail, contacts: entities.map((e) => e.observations) };`,
      { vault, maxOutputTokens: 100_000 },
    );
    expect(execution.error).toBeNull();
    const seen = `${execution.output}\n${JSON.stringify(execution.result)}\n${execution.logs.join('\n')}`;
    const leaked = contacts
      .flatMap((c) => [c.email, c.phone, c.card, c.iban])
      .filter((value) => seen.includes(value));
    expect(leaked).toEqual([]);
    expect(detectPii(seen)).toEqual([]);
    expect(execution.logs[0]).toMatch(/^first email email \[EMAIL_\d+\]$/);
    expect((execution.result as { gmail: number }).gmail).toBe(
      contacts.filter((c) => c.email.endsWith('@gmail.com')).length,
    );
    expect(execution.output).toContain(PII_NOTE);
    expect(vault.size).toBe(1200);
  });

  it('turns tokens passed back into real values for the tool, and audits it without values', async () => {
    const vault = gateway.newVault();
    const first = await gateway.execute(
      `import { openNodes } from './servers/crm';
       const { entities } = await openNodes({ names: [${JSON.stringify(contacts[0]?.name)}] });
       export default entities[0].observations;`,
      { vault, session: 's-1' },
    );
    const tokens = first.result as string[];
    expect(tokens).toEqual([
      expect.stringMatching(/^email \[EMAIL_1\]$/),
      'phone [PHONE_1]',
      'card [CARD_1]',
      'iban [IBAN_1]',
    ]);
    // The model writes the tokens into its next script, as it read them.
    const second = await gateway.execute(
      `import { createEntities } from './servers/crm';
       import * as outside from './servers/outside';
       const observations = ${JSON.stringify(tokens)};
       await createEntities({ entities: [{ name: 'copy of first contact', entityType: 'contact', observations }] });
       await outside.createEntities({ entities: [{ name: 'shared', entityType: 'contact', observations }] });
       export default 'stored';`,
      { vault, session: 's-1' },
    );
    expect(second.error).toBeNull();
    const crm =
      readFileSync(join(dir, 'crm.jsonl'), 'utf8')
        .split('\n')
        .find((l) => l.includes('copy of first contact')) ?? '';
    const contact = contacts[0] as Contact;
    for (const value of [contact.email, contact.phone, contact.card, contact.iban])
      expect(crm).toContain(value);
    expect(crm).not.toContain('[EMAIL_1]');
    // A server set to untokenize: false only ever sees tokens.
    const outside = readFileSync(join(dir, 'outside.jsonl'), 'utf8');
    expect(outside).toContain('[EMAIL_1]');
    expect(outside).not.toContain(contact.email);
    const audit = await PiiAuditLog.read(join(dir, 'audit.jsonl'));
    expect(audit.at(-1)).toMatchObject({
      session: sessionLabel('s-1'),
      server: 'crm',
      tool: 'create_entities',
      types: { EMAIL: 1, PHONE: 1, CARD: 1, IBAN: 1 },
    });
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).not.toContain(contact.email);

    // toolscript pii audit prints the same entries.
    const configFile = join(dir, 'toolscript.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ mcpServers: {}, pii: { auditLog: join(dir, 'audit.jsonl') } }),
    );
    const out: string[] = [];
    const code = await runCli(['pii', 'audit', '--config', configFile], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      readStdin: async () => '',
    });
    expect(code).toBe(0);
    expect(out.join('')).toContain(
      `session ${sessionLabel('s-1')}  crm.create_entities  EMAIL×1 PHONE×1 CARD×1 IBAN×1`,
    );
  });
});
