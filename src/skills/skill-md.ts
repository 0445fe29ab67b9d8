import { createRequire } from 'node:module';

/**
 * SKILL.md of a saved skill: its front matter (what {@link SkillInfo} holds) and the usage text.
 */

/** The author of everything not saved by an MCP session over HTTP: the CLI, the library, stdio. */
export const OPERATOR = 'operator';

/** A tool a skill calls, with the schema hash it was written against. */
export interface SkillTool {
  /** `server.tool_name` (original MCP name). */
  name: string;
  schemaHash: string;
}

/** What SKILL.md's front matter holds, plus the status of the last check. */
export interface SkillInfo {
  name: string;
  description: string;
  version: number;
  /**
   * Who created the skill (published version 1): `"operator"` (the CLI, the library, a stdio
   * client) or `"session:<label>"` for an HTTP session (see `sessionLabel`). Skills saved before
   * owners existed are the operator's.
   */
  owner: string;
  /** Who published this version, in the same form as `owner`. */
  author: string;
  /** ISO 8601 times. */
  created: string;
  updated: string;
  tools: SkillTool[];
  /** Set on a version the gateway repaired after a tool change: the version it was made from and the changes, in words. */
  repaired?: { from: number; changes: string[] };
  /**
   * Set when the skill no longer type-checks against the current bindings: why, in words (and the
   * compiler's messages).
   */
  broken?: string;
  /** With `broken`: the tool changes that broke it, in words (e.g. "argument `mode` retyped"). */
  brokenBy?: string[];
}

/** Usage counters of a skill, kept beside SKILL.md in stats.json. */
export interface SkillStats {
  uses: number;
  successes: number;
  failures: number;
  meanMs: number;
  p95Ms: number;
}

/** SKILL.md's front matter; skills saved before owners existed are the operator's. */
export function parseFront(text: string): Omit<SkillInfo, 'broken' | 'brokenBy'> {
  const front = yaml().parse(text.split(/^---$/m)[1] ?? '') as Partial<SkillInfo>;
  return { owner: OPERATOR, author: OPERATOR, ...front } as Omit<SkillInfo, 'broken' | 'brokenBy'>;
}

/** SKILL.md: Agent Skills front matter, then usage with an example import. */
export function renderSkillMd(info: SkillInfo, code: string): string {
  const exported = exportedNames(code);
  const front = yaml().stringify({
    name: info.name,
    description: info.description,
    version: info.version,
    owner: info.owner,
    author: info.author,
    created: info.created,
    updated: info.updated,
    tools: info.tools,
    ...(info.repaired ? { repaired: info.repaired } : {}),
  });
  const example = exported.length
    ? `import { ${exported.join(', ')} } from './skills/${info.name}';`
    : `import * as skill from './skills/${info.name}';`;
  const repaired = info.repaired
    ? `Repaired from v${info.repaired.from}: ${info.repaired.changes.join('; ')}.\n\n`
    : '';
  return `---\n${front}---\n\n# ${info.name}\n\n${info.description}\n\n${repaired}## Usage\n\n\`\`\`ts\n${example}\n\`\`\`\n\nExports: ${exported.join(', ') || '(none)'}.\nCalls: ${info.tools.map((t) => t.name).join(', ') || '(no tools)'}.\n`;
}

/**
 * A skill's standing in words, as lists show it: `broken: <the tool changes that broke it, or the
 * first line of why>`, `repaired from v<n>: <the changes>`, or undefined for a skill in good
 * standing that was never repaired.
 */
export function skillStatus(info: SkillInfo): string | undefined {
  if (info.broken) return `broken: ${info.brokenBy?.join('; ') || info.broken.split('\n')[0]}`;
  if (info.repaired) return `repaired from v${info.repaired.from}: ${info.repaired.changes.join('; ')}`;
  return undefined;
}

/** Names a module exports (`export function|const|let|class NAME`). */
export function exportedNames(code: string): string[] {
  return [
    ...code.matchAll(/export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/g),
  ].map((m) => m[1] as string);
}

/** The yaml package (CommonJS build), loaded when the first skill is read or written. */
function yaml(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml');
}
