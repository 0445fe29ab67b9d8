/**
 * Whether a tool is deprecated, and what its server says about it. MCP has no field for this, so
 * the tool's own words count: "deprecated" in its title or description (server-filesystem's
 * `read_file`: "DEPRECATED: Use read_text_file instead."), or a non-standard
 * `annotations.deprecated: true`.
 * @returns the sentence that says so (e.g. "DEPRECATED: Use read_text_file instead."), "Deprecated."
 *   when only the title or an annotation says so, or `undefined` for a tool in good standing.
 */
export function deprecationNote(tool: {
  title?: string | undefined;
  description?: string | undefined;
  annotations?: Record<string, unknown> | undefined;
}): string | undefined {
  const description = tool.description ?? '';
  const at = description.search(/\bdeprecated\b/i);
  if (at >= 0) {
    // The sentence holding the word: from the previous sentence end to the next one.
    const start = Math.max(
      0,
      ...['. ', '! ', '? ', '\n'].map((end) => {
        const found = description.lastIndexOf(end, at - 1);
        return found < 0 ? 0 : found + end.length;
      }),
    );
    const tail = description.slice(at).search(/[.!?](\s|$)/);
    const end = tail < 0 ? description.length : at + tail + 1;
    return description.slice(start, end).replace(/\s+/g, ' ').trim();
  }
  const title = tool.title ?? (tool.annotations?.title as string | undefined) ?? '';
  if (/\bdeprecated\b/i.test(title) || tool.annotations?.deprecated === true) return 'Deprecated.';
  return undefined;
}
