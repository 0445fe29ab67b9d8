/**
 * Upstream resources from scripts (`./client`'s `listResources` and `readResource`) on real
 * server-everything (7 text resources, blob templates) and server-filesystem (no resources).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { EVERYTHING, FILESYSTEM, stdioServer } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'toolscript-resources-'));
let gateway: Gateway;
beforeAll(async () => {
  gateway = await createGateway(
    parseConfig({
      dataDir: dir,
      mcpServers: {
        everything: stdioServer(...EVERYTHING, ['stdio']),
        files: stdioServer(...FILESYSTEM, [dir]),
      },
    }),
  );
});
afterAll(async () => {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('resources from scripts', () => {
  it('lists and reads text and binary resources', async () => {
    const run = await gateway.execute(`import { listResources, readResource } from './client';
      const all = await listResources('everything');
      const text = await readResource('everything', all[0].uri);
      const blob = await readResource('everything', 'demo://resource/dynamic/blob/1');
      return {
        count: all.length,
        first: all[0],
        text: typeof text === 'string' && text.startsWith('# '),
        blob: [blob.mimeType, typeof blob.base64, blob.base64.length > 0],
        files: (await listResources('files')).length,
      };`);
    expect(run.error).toBeNull();
    expect(run.result).toEqual({
      count: 7,
      first: expect.objectContaining({
        uri: 'demo://resource/static/document/architecture.md',
        mimeType: 'text/markdown',
      }),
      text: true,
      blob: [expect.stringMatching(/\//), 'string', true],
      files: 0,
    });
  });

  it('fails with stable codes: the server refuses a URI, the server does not exist', async () => {
    const run = await gateway.execute(`import { listResources, readResource } from './client';
      const codes = [];
      for (const attempt of [
        () => readResource('everything', 'demo://nope'),
        () => listResources('nope'),
        () => readResource('files', 'file:///etc/hostname'),
      ]) {
        try { await attempt(); } catch (error) { codes.push([error.code, error.message]); }
      }
      return codes;`);
    expect(run.result).toEqual([
      ['TOOL_ERROR', 'everything could not read demo://nope: Resource demo://nope not found'],
      ['UNKNOWN_TOOL', 'No server "nope" in the config. Did you mean files, everything?'],
      [
        'TOOL_ERROR',
        "files offers no resources, so file:///etc/hostname cannot be read; listResources('files') lists what a server offers.",
      ],
    ]);
  });

  it('gen types the client functions, so scripts using them type-check', async () => {
    const client = (await gateway.bindings.read('client.ts')) ?? '';
    expect(client).toContain('export function listResources(server: string): Promise<Resource[]>');
    expect(client).toContain('export function readResource(server: string, uri: string): Promise<unknown>');
  });
});

describe('resources over maxResultBytes', () => {
  it('fail with RESULT_TOO_LARGE, as tool results do, and the server stays available', async () => {
    const small = await createGateway(
      parseConfig({
        dataDir: join(dir, 'small'),
        maxResultBytes: 512,
        mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) },
      }),
    );
    try {
      const run = await small.execute(`import { readResource } from './client';
        try { await readResource('everything', 'demo://resource/static/document/architecture.md'); return 'read'; }
        catch (error) { return [error.code, error.message]; }`);
      expect(run.error).toBeNull();
      const [code, message] = run.result as [string, string];
      expect(code).toBe('RESULT_TOO_LARGE');
      expect(message).toMatch(
        /^everything\.resources\/read returned .* over the 0\.0 MiB limit \(maxResultBytes\)/,
      );
      expect(small.listServers()[0]?.ok).toBe(true);
    } finally {
      await small.close();
    }
  });
});
