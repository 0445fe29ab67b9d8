/** An MCP content block a script may return to be shown as such, not as JSON text. */
export type MediaBlock =
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | { type: 'resource_link'; uri: string; name: string; mimeType?: string; description?: string };

/** Default of `sandbox.maxImageBytes`: decoded bytes of images and audio per answer. */
export const DEFAULT_MAX_MEDIA_BYTES = 2 * 1024 * 1024;

function isMediaBlock(value: unknown): value is MediaBlock {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'image' || v.type === 'audio')
    return typeof v.data === 'string' && typeof v.mimeType === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(v.data);
  return v.type === 'resource_link' && typeof v.uri === 'string' && typeof v.name === 'string';
}

/** Decoded size of base64 text, in bytes. */
function decodedBytes(base64: string): number {
  const clean = base64.replace(/\s/g, '');
  return Math.floor((clean.length * 3) / 4) - (clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0);
}

/**
 * Takes MCP content blocks out of a script's result: when the result is an image, audio or
 * `resource_link` block, or an array made only of such blocks, they are answered as real content
 * (MCP `content`), and the text result becomes a one-line description of each. Images and audio
 * count against `maxBytes` (decoded) in order; one past it is left out with a note in its place.
 * @returns `undefined` when the result holds no such blocks.
 */
export function extractMedia(
  result: unknown,
  maxBytes = DEFAULT_MAX_MEDIA_BYTES,
): { blocks: MediaBlock[]; text: string } | undefined {
  const items = Array.isArray(result) ? result : [result];
  if (items.length === 0 || !items.every(isMediaBlock)) return undefined;
  const blocks: MediaBlock[] = [];
  const lines: string[] = [];
  let used = 0;
  for (const block of items as MediaBlock[]) {
    if (block.type === 'resource_link') {
      blocks.push(block);
      lines.push(`[resource link ${block.uri}]`);
      continue;
    }
    const bytes = decodedBytes(block.data);
    if (used + bytes > maxBytes) {
      lines.push(
        `[toolscript: ${block.type} (${block.mimeType}, ${bytes} bytes) left out: the answer's media would pass sandbox.maxImageBytes (${maxBytes}). Return fewer or smaller ones.]`,
      );
      continue;
    }
    used += bytes;
    blocks.push({ type: block.type, data: block.data, mimeType: block.mimeType });
    lines.push(`[${block.type} ${block.mimeType}, ${bytes} bytes, attached]`);
  }
  return { blocks, text: lines.join('\n') };
}
