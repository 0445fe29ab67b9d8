/**
 * Upstream prompts through the gateway: server-everything's prompts as `everything.<prompt>`,
 * proxied with the server's own errors, PII-tokenized for the model; server-filesystem offers
 * none.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { everythingGateways } from './support/mcp.js';

const gateways = everythingGateways(mkdtempSync(join(tmpdir(), 'toolscript-prompts-')));
afterAll(() => gateways.close());
const connect = async (pii: boolean) => (await gateways.connect(pii)).client;

describe('upstream prompts', () => {
  it('lists them as <server>.<prompt> with their arguments, and proxies prompts/get', async () => {
    const client = await connect(false);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('everything.simple-prompt');
    expect(prompts.every((p) => p.name.startsWith('everything.'))).toBe(true);
    const args = prompts.find((p) => p.name === 'everything.args-prompt');
    expect(args?.arguments).toEqual([
      { name: 'city', description: 'Name of the city', required: true },
      { name: 'state', required: false },
    ]);
    const got = await client.getPrompt({ name: 'everything.args-prompt', arguments: { city: 'Lisbon' } });
    expect(JSON.stringify(got.messages)).toContain('Lisbon');
  });

  it("passes the server's own refusal on, and names the nearest prompts for an unknown one", async () => {
    const client = await connect(false);
    const refusal = await client.getPrompt({ name: 'everything.args-prompt', arguments: {} }).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    expect(refusal).toMatch(/everything\.args-prompt: .*city/);
    // The upstream's "MCP error -32602:" prefix is not passed on inside the gateway's own.
    expect(refusal).not.toContain('MCP error');
    await expect(client.getPrompt({ name: 'everything.simple-prompts' })).rejects.toThrow(
      /Unknown prompt "everything\.simple-prompts"\. Nearest: everything\.simple-prompt/,
    );
  });

  it('shows personal data in a prompt as PII tokens when PII is on', async () => {
    const client = await connect(true);
    const got = await client.getPrompt({
      name: 'everything.args-prompt',
      arguments: { city: 'ada.lovelace@example.com' },
    });
    const text = JSON.stringify(got.messages);
    expect(text).toContain('[EMAIL_1]');
    expect(text).not.toContain('lovelace');
  });
});
