/**
 * What a client that calls tools directly gets back (`tokenizeResult`, execution/direct.ts): every
 * string tokenized, base64 data as it came. A real vault with the e-mail detector.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { tokenizeResult } from '../src/execution/direct.js';
import { PiiVault } from '../src/pii/vault.js';

const EMAIL = 'ana.lima@example.org';
// Base64 that holds an address once decoded, and bytes a tokenizer must not touch.
const BLOB = Buffer.from(`contact ${EMAIL}`).toString('base64');

describe('tokenizeResult', () => {
  it('tokenizes text, structured content, URIs and names, and leaves image data and blobs as they came', () => {
    const vault = new PiiVault({ types: ['EMAIL'] });
    const result: CallToolResult = {
      content: [
        { type: 'text', text: `From: ${EMAIL}` },
        { type: 'image', data: BLOB, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: { uri: `mail://${EMAIL}/raw`, mimeType: 'message/rfc822', blob: BLOB },
        },
        { type: 'resource_link', uri: `mail://${EMAIL}`, name: `mail of ${EMAIL}` },
      ],
      structuredContent: { from: EMAIL },
    };
    const shown = tokenizeResult(result, vault);
    expect(JSON.stringify(shown)).not.toContain(EMAIL);
    expect(shown.content[0]).toEqual({ type: 'text', text: 'From: [EMAIL_1]' });
    expect(shown.content[1]).toEqual({ type: 'image', data: BLOB, mimeType: 'image/png' });
    expect(shown.content[2]).toEqual({
      type: 'resource',
      resource: { uri: 'mail://[EMAIL_1]/raw', mimeType: 'message/rfc822', blob: BLOB },
    });
    expect(shown.content[3]).toEqual({
      type: 'resource_link',
      uri: 'mail://[EMAIL_1]',
      name: 'mail of [EMAIL_1]',
    });
    expect(shown.structuredContent).toEqual({ from: '[EMAIL_1]' });
    // The tokens become the values again for the upstream.
    expect(vault.untokenize(shown.structuredContent).value).toEqual({ from: EMAIL });
  });
});
