/** An MCP content block a script may return to be shown as such, not as JSON text. */
export type MediaBlock =
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | {
      type: 'resource_link';
      uri: string;
      name: string;
      title?: string;
      mimeType?: string;
      description?: string;
    };

/** Default of `sandbox.maxImageBytes`: decoded bytes of images and audio per answer. */
export const DEFAULT_MAX_MEDIA_BYTES = 2 * 1024 * 1024;

function isMediaBlock(value: unknown): value is MediaBlock {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'image' || v.type === 'audio')
    return typeof v.data === 'string' && typeof v.mimeType === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(v.data);
  return v.type === 'resource_link' && typeof v.uri === 'string' && typeof v.name === 'string';
}

/** Longest text field kept of a resource link (and of an image's or audio's `mimeType`), in characters. */
const MAX_FIELD_CHARS = {
  uri: 2_048,
  name: 256,
  title: 256,
  description: 1_024,
  mimeType: 128,
} as const;

/** `text` cut to `max` characters, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
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
 * A resource link keeps only the MCP fields, each cut (uri 2,048 characters, name and title 256,
 * description 1,024, mimeType 128), and links count against `maxLinkChars` (the characters of their
 * fields, in order; the pipeline gives `maxOutputTokens`, a token being about one character or
 * more): one past it is left out with a note, as an image past `maxBytes` is.
 * @returns `undefined` when the result holds no such blocks.
 */
export function extractMedia(
  result: unknown,
  maxBytes = DEFAULT_MAX_MEDIA_BYTES,
  maxLinkChars = Number.POSITIVE_INFINITY,
): { blocks: MediaBlock[]; text: string } | undefined {
  const items = Array.isArray(result) ? result : [result];
  if (items.length === 0 || !items.every(isMediaBlock)) return undefined;
  const blocks: MediaBlock[] = [];
  const lines: string[] = [];
  let used = 0;
  let linkChars = 0;
  for (const block of items as MediaBlock[]) {
    if (block.type === 'resource_link') {
      const link = resourceLink(block);
      const chars = Object.values(link).reduce((n, v) => n + v.length, 0);
      if (linkChars + chars > maxLinkChars) {
        lines.push(
          `[toolscript: resource link (${chars} characters) left out: the answer's links would pass its output budget (${maxLinkChars} characters). Return fewer or shorter ones.]`,
        );
        continue;
      }
      linkChars += chars;
      blocks.push(link);
      lines.push(`[resource link ${link.uri}]`);
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
    const mimeType = cut(block.mimeType, MAX_FIELD_CHARS.mimeType);
    blocks.push({ type: block.type, data: block.data, mimeType });
    lines.push(`[${block.type} ${mimeType}, ${bytes} bytes, attached]`);
  }
  return { blocks, text: lines.join('\n') };
}

/** A resource link with MCP's fields only (strings), each cut to its length. */
function resourceLink(
  block: Extract<MediaBlock, { type: 'resource_link' }>,
): Extract<MediaBlock, { type: 'resource_link' }> {
  const link: Extract<MediaBlock, { type: 'resource_link' }> = {
    type: 'resource_link',
    uri: cut(block.uri, MAX_FIELD_CHARS.uri),
    name: cut(block.name, MAX_FIELD_CHARS.name),
  };
  for (const field of ['title', 'description', 'mimeType'] as const) {
    const value = block[field];
    if (typeof value === 'string') link[field] = cut(value, MAX_FIELD_CHARS[field]);
  }
  return link;
}
