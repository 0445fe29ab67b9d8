import type { Tool } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { applyToolPolicy } from '../src/catalog/policy.js';

const tools = ['admin/delete_all', '.delete_hidden', 'DELETE_USER', 'list_items', 'admin/list'].map(
  (name): Tool => ({ name, inputSchema: { type: 'object' } }),
);
const kept = (policy: { allowTools?: string[]; denyTools?: string[] }) =>
  applyToolPolicy(tools, policy).tools.map((t) => t.name);

describe('tool policy globs', () => {
  it('treat tool names as names, not paths: "/" and a leading "." are ordinary, case is ignored', () => {
    expect(kept({ denyTools: ['*delete*'] })).toEqual(['list_items', 'admin/list']);
    expect(kept({ allowTools: ['admin/*'] })).toEqual(['admin/delete_all', 'admin/list']);
    expect(kept({ allowTools: ['*list*'], denyTools: ['ADMIN*'] })).toEqual(['list_items']);
  });
});
