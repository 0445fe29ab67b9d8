/**
 * Re-indents TypeScript declarations printed one member per line (as json-schema-to-typescript
 * prints them with formatting off) by brace depth, two spaces a level. Much faster than running
 * a full formatter over every binding.
 */
export function indentDeclarations(code: string): string {
  let depth = 0;
  const out: string[] = [];
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      out.push('');
      continue;
    }
    const isComment = line.startsWith('*') || line.startsWith('/*') || line.startsWith('//');
    if (!isComment && /^[}\])]/.test(line)) depth = Math.max(0, depth - 1);
    const pad = '  '.repeat(depth);
    out.push(line.startsWith('*') ? `${pad} ${line}` : `${pad}${line}`);
    if (!isComment) {
      const opens = (line.match(/[{[(]/g) ?? []).length;
      const closes = (line.match(/[}\])]/g) ?? []).length;
      const leadingClose = /^[}\])]/.test(line) ? 1 : 0;
      depth = Math.max(0, depth + opens - (closes - leadingClose));
    }
  }
  return out.join('\n');
}
