import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { nearest } from '../util/nearest.js';

/**
 * How config problems are worded: one line each, an unknown key with the nearest known one, a
 * bad server name with the rule. `keys` is `CONFIG_KEYS` (the keys each object accepts, by path).
 */

/** What a server name may be: the `mcpServers` keys' rule, as an error message. */
export const SERVER_NAME_RULE =
  'server names start with a letter or digit and use letters, digits, "_", "-" and "."';

/**
 * A server named "__proto__": assigned to an object, the key would set its prototype, and zod
 * would leave it out of the parsed record, so it would vanish without a word.
 */
export function protoServer(input: unknown): string[] {
  const servers = (input as { mcpServers?: unknown } | null)?.mcpServers;
  return servers && typeof servers === 'object' && Object.hasOwn(servers, '__proto__')
    ? [`mcpServers.__proto__: ${SERVER_NAME_RULE}; rename the server`]
    : [];
}

/** One line per zod issue; unknown keys get the nearest known key. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  already: string[],
  keys: Record<string, string[]>,
): string[] {
  const path = issue.path.map(String);
  const where = path.join('.') || '(root)';
  // A server entry with an unknown key was reported already, with its nearest key.
  if (path[0] === 'mcpServers' && already.some((line) => line.startsWith(`${path.slice(0, 2).join('.')}.`)))
    return [];
  if (issue.code === 'unrecognized_keys') {
    const known = keys[path[0] === 'mcpServers' && path.length === 2 ? 'server' : path.join('.')] ?? [];
    return issue.keys
      .map((key) => `${where === '(root)' ? '' : `${where}.`}${key}: ${unknownKeyMessage(key, known)}`)
      .filter((line) => !already.includes(line));
  }
  return [`${where}: ${issue.message}`];
}

/** Names people write for a key that edit distance would not find (`cmd` is closer to `cwd`). */
const KEY_ALIASES: Record<string, string> = {
  cmd: 'command',
  exec: 'command',
  arguments: 'args',
  argv: 'args',
  environment: 'env',
  endpoint: 'url',
  transport: 'type',
  servers: 'mcpServers',
};

/** "unknown key (did you mean "x"?)" when a known key is within two edits, else the known keys. */
export function unknownKeyMessage(key: string, known: string[]): string {
  const alias = KEY_ALIASES[key.toLowerCase()];
  if (alias !== undefined && known.includes(alias)) return `unknown key (did you mean "${alias}"?)`;
  const [best] = nearest(key, known);
  if (
    best !== undefined &&
    distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 4))
  )
    return `unknown key (did you mean "${best}"?)`;
  return known.length ? `unknown key (expected one of: ${known.join(', ')})` : 'unknown key';
}

/** Unknown keys of server entries, checked before the union so the message names the key. */
export function unknownServerKeys(input: unknown, keys: Record<string, string[]>): string[] {
  const servers = (input as { mcpServers?: unknown } | null)?.mcpServers;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) return [];
  const known = keys.server ?? [];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
    for (const key of Object.keys(entry)) {
      if (!known.includes(key)) problems.push(`mcpServers.${name}.${key}: ${unknownKeyMessage(key, known)}`);
    }
  }
  return problems;
}
