/**
 * What MCP's tool annotations mean where a tool does not give them (MCP specification,
 * `ToolAnnotations`): `destructiveHint` defaults to true and matters only when the tool is not
 * read-only, so a tool without annotations may destroy.
 */

/**
 * True for a tool MCP counts as destructive: its `readOnlyHint` is not `true` and its
 * `destructiveHint` is not `false` (a tool that says nothing is destructive).
 * @param annotations the tool's `annotations`, or its hints as search keeps them.
 */
export function isDestructive(
  annotations: { readOnlyHint?: boolean | undefined; destructiveHint?: boolean | undefined } = {},
): boolean {
  return annotations.readOnlyHint !== true && annotations.destructiveHint !== false;
}
