import type { CallToolResult } from '@modelcontextprotocol/server';

/**
 * The value a script sees for a tool result:
 * 1. `structuredContent` if present;
 * 2. else a single text part, parsed as JSON when it parses;
 * 3. else that text;
 * 4. else the `content` array as is (several parts, images, resources…).
 *
 * This is the only place results are unwrapped. `isError` is handled by the caller.
 */
export function unwrapToolResult(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined && result.structuredContent !== null)
    return result.structuredContent;
  const content = result.content ?? [];
  const only = content.length === 1 ? content[0] : undefined;
  if (only?.type === 'text') return parseText(only.text);
  return content;
}

/** Text as JSON when it parses as JSON, else the text itself. */
function parseText(text: string): unknown {
  const trimmed = text.trimStart();
  if (
    trimmed.startsWith('{') ||
    trimmed.startsWith('[') ||
    trimmed.startsWith('"') ||
    /^(-?\d|true|false|null)/.test(trimmed)
  ) {
    try {
      return JSON.parse(text);
    } catch {}
  }
  return text;
}

/**
 * The value a script sees for a resource (`readResource` in `./client`): each text content
 * unwrapped as a tool's single text is (JSON when it parses), each blob as `{ mimeType, base64 }`;
 * one content alone, several as an array.
 */
export function unwrapResourceContents(
  contents: (
    | { text: string; mimeType?: string | undefined }
    | { blob: string; mimeType?: string | undefined }
  )[],
): unknown {
  const values = contents.map((c) =>
    'text' in c ? parseText(c.text) : { mimeType: c.mimeType ?? 'application/octet-stream', base64: c.blob },
  );
  return values.length === 1 ? values[0] : values;
}

/** The text of an `isError` result, for the error message: its text parts joined, or a fallback. */
export function errorText(result: CallToolResult): string {
  const text = (result.content ?? [])
    .filter((part): part is { type: 'text'; text: string } => part.type === 'text')
    .map((part) => part.text)
    .join('\n')
    .trim();
  return text || 'the tool reported an error without a message';
}

/**
 * The text a model reads for a tool result when it calls tools directly, as an ordinary MCP client
 * shows it: text parts as they are, other parts (images, resources) as JSON, one per line;
 * `structuredContent` as JSON when there is no content. Direct tool calling (the adapters, the
 * agent) shows it, and token accounting counts it. The only place this text is made.
 */
export function resultText(result: { content?: unknown[]; structuredContent?: unknown }): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  if (parts.length === 0)
    return result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent);
  return parts
    .map((part) =>
      part && typeof part === 'object' && (part as { type?: unknown }).type === 'text'
        ? String((part as { text?: unknown }).text ?? '')
        : JSON.stringify(part),
    )
    .join('\n');
}
