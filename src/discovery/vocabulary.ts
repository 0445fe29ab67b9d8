/**
 * Words that name the same tool action or object, for query expansion: a query word pulls in the
 * other words of its group at a lower weight, so "make a new folder" also matches
 * `create_directory`.
 *
 * Provenance: curated by hand for toolscript from the tool names and descriptions of
 * `@modelcontextprotocol/server-filesystem`, `@modelcontextprotocol/server-memory`,
 * `@cyanheads/git-mcp-server` and the 527 tools of the LiveMCPBench catalog
 * (test/data/livemcpbench), pairing the words people write with the words those tools use.
 * WordNet was considered and not used: it does not link folder and directory, or fact and
 * observation, and its packages weigh tens of megabytes. Single lower-case words only. A word
 * marked `>` is only pulled in, never pulls the others: its stem collides with a common word
 * ("relation" and "related" both stem to "relat"), or it is far more general than the group
 * ("delete" for "unlink"). Words whose stem collides and that are not needed as targets are left
 * out ("new" stems like "news").
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['folder', 'directory', 'dir'],
  ['remove', 'delete', 'erase', 'discard'],
  ['link', '>relation', 'relationship', 'connect'],
  ['fact', 'observation', 'note'],
  ['find', 'search', 'lookup', 'locate'],
  ['make', 'create'],
  ['rename', 'move'],
  ['show', 'view', 'display', 'read'],
  ['list', 'enumerate'],
  ['write', 'save'],
  ['edit', 'modify', 'change', 'update'],
  ['person', 'people', 'entity'],
  ['history', 'log'],
  ['switch', 'checkout'],
  ['diff', 'difference'],
  ['copy', 'duplicate'],
  ['picture', 'image', 'photo'],
  ['mail', 'email'],
  ['forecast', 'weather'],
  ['tree', 'hierarchy', 'recursive'],
  ['size', 'bytes'],
  ['document', 'file'],
  ['several', 'multiple', 'many'],
  ['permitted', 'allowed', 'permission', 'access'],
  ['relocate', 'move'],
  ['node', 'entity'],
  ['unlink', '>delete', '>relation'],
  ['revision', 'commit'],
  ['author', 'wrote', 'blame'],
  ['keyword', 'query', 'search'],
  ['aside', 'stash', 'shelve'],
  ['modified', 'changed', 'status'],
  ['upload', 'push'],
  ['download', 'pull', 'fetch'],
  ['release', 'tag', 'version'],
  ['undo', 'reset', 'revert'],
  ['contents', 'list'],
];
