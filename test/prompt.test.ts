import { describe, expect, it } from 'vitest';
import { countTokens } from '../src/accounting/tokens.js';
import {
  executeCodeDescription,
  gatewayInstructions,
  SEARCH_TOOLS_DESCRIPTION,
} from '../src/prompt/code-first.js';
import type { ServerStatus } from '../src/upstream/servers.js';

const server = (name: string, tools: number): ServerStatus => ({
  name,
  ok: true,
  tools,
  description: `${name} server 1.0`,
});

describe('code-first prompt', () => {
  const few = [server('filesystem', 14), server('memory', 9)];
  const many = Array.from({ length: 70 }, (_, i) => server(`server-${i}`, 8));

  it('names the servers, the workflow, imports, errors and results', () => {
    const instructions = gatewayInstructions(few);
    expect(instructions).toContain('- filesystem (14 tools): filesystem server 1.0');
    expect(instructions).toMatch(/search_tools[\s\S]*execute_code/);
    expect(instructions).toContain("import * as fs from './servers/filesystem'");
    expect(instructions).toContain('ToolError');
    expect(instructions).toContain('structuredContent');
  });

  it('stays small however many servers there are', () => {
    expect(countTokens(gatewayInstructions(few)).tokens).toBeLessThan(400);
    expect(countTokens(gatewayInstructions(many)).tokens).toBeLessThan(600);
    expect(countTokens(executeCodeDescription(many) + SEARCH_TOOLS_DESCRIPTION).tokens).toBeLessThan(800);
    expect(executeCodeDescription(many)).toContain('and 55 more');
  });
});
