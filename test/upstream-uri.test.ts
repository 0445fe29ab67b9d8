/** Gateway URIs of upstream resources: they read back exactly, and templates expand to them. */
import { describe, expect, it } from 'vitest';
import { parseUpstreamUri, upstreamTemplate, upstreamUri } from '../src/server/resources.js';

describe('upstream resource URIs', () => {
  it('round-trips server names and URIs with reserved characters', () => {
    for (const [server, uri] of [
      ['everything', 'demo://resource/static/document/features.md'],
      ['my server/2', 'file:///tmp/a b/c%20d.txt?x=1#y'],
      ['ü', 'urn:isbn:0451450523'],
    ] as const) {
      const mapped = upstreamUri(server, uri);
      expect(mapped.startsWith('toolscript://upstream/')).toBe(true);
      expect(mapped.slice('toolscript://upstream/'.length).split('/')).toHaveLength(2);
      expect(parseUpstreamUri(mapped)).toEqual({ server, uri });
    }
  });

  it('reads nothing from other URIs or malformed escapes', () => {
    expect(parseUpstreamUri('toolscript://servers/memory/readGraph.ts')).toBeUndefined();
    expect(parseUpstreamUri('toolscript://upstream/everything')).toBeUndefined();
    expect(parseUpstreamUri('toolscript://upstream/everything/')).toBeUndefined();
    expect(parseUpstreamUri('toolscript://upstream/everything/%E0%A4%A')).toBeUndefined();
  });

  it('keeps template expressions, so an expansion reads back as the expanded original', () => {
    const template = upstreamTemplate('everything', 'demo://resource/dynamic/text/{resourceId}');
    expect(template).toBe(
      'toolscript://upstream/everything/demo%3A%2F%2Fresource%2Fdynamic%2Ftext%2F{resourceId}',
    );
    expect(parseUpstreamUri(template.replace('{resourceId}', '42'))).toEqual({
      server: 'everything',
      uri: 'demo://resource/dynamic/text/42',
    });
    // A reserved expansion ({+path}) may put slashes in; they read back as they are.
    const files = upstreamTemplate('files', 'file:///{+path}');
    expect(parseUpstreamUri(files.replace('{+path}', 'home/a/b.txt'))?.uri).toBe('file:///home/a/b.txt');
  });
});
