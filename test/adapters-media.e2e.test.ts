/**
 * Images reach models through the library adapters the way their SDKs expect: the AI SDK's
 * `image-data` tool-output parts (code mode and direct tools), and Messages API `image` blocks in
 * a `tool_result`. The image is real server-everything's `get-tiny-image`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type Anthropic from '@anthropic-ai/sdk';
import { generateText, stepCountIs } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectTools, createToolscriptTools } from '../src/adapters/ai.js';
import { createAnthropicTools } from '../src/adapters/anthropic.js';
import { parseConfig } from '../src/config/index.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { replayingClient, toolUseLoop } from './support/anthropic.js';
import { scriptedModel } from './support/mock-model.js';
import { EVERYTHING, stdioServer } from './support/servers.js';

const SCRIPT = `import { getTinyImage } from './servers/everything';
return (await getTinyImage({})).filter((block) => block.type === 'image');`;

/** True when base64 `data` decodes to a PNG (its signature). */
const isPng = (data: unknown) =>
  typeof data === 'string' &&
  Buffer.from(data, 'base64').subarray(0, 8).toString('hex') === '89504e470d0a1a0a';

/** The output of the last tool result in a prompt the model received. */
function lastToolOutput(prompt: LanguageModelV3Prompt): unknown {
  const message = [...prompt].reverse().find((m) => m.role === 'tool');
  const part = (message?.content ?? []).find((p) => p.type === 'tool-result');
  return part && 'output' in part ? part.output : undefined;
}

describe('images through the library adapters', () => {
  let gateway: Gateway;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-adapter-media-'));
    gateway = await createGateway(
      parseConfig({ dataDir: dir, mcpServers: { everything: stdioServer(...EVERYTHING, ['stdio']) } }),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('toolscript/ai: a returned image reaches the model as an image-data part beside the text', async () => {
    const seen: unknown[] = [];
    const model = scriptedModel([
      () => ({ tools: [{ name: 'execute_code', input: { code: SCRIPT } }], usage: [10, 10] }),
      (prompt) => {
        seen.push(lastToolOutput(prompt));
        return { text: 'a tiny image', usage: [10, 10] };
      },
    ]);
    const { tools, system } = createToolscriptTools(gateway);
    await generateText({ model, system, tools, prompt: 'Show me the tiny image', stopWhen: stepCountIs(3) });
    const output = seen[0] as {
      type: string;
      value: { type: string; text?: string; data?: string; mediaType?: string }[];
    };
    expect(output.type).toBe('content');
    expect(output.value.map((p) => p.type)).toEqual(['text', 'image-data']);
    expect(output.value[0]?.text).toMatch(/^Result:\n\[image image\/png, \d+ bytes, attached\]$/);
    expect(output.value[1]?.mediaType).toBe('image/png');
    expect(isPng(output.value[1]?.data)).toBe(true);
  });

  it('toolscript/ai: direct tools pass a tool image on as image-data too; text stays text', async () => {
    const direct = createDirectTools(gateway);
    const image = direct['everything__get-tiny-image'];
    const result = await image?.execute?.({}, { toolCallId: 'c1', messages: [] });
    const output = (await image?.toModelOutput?.({ toolCallId: 'c1', input: {}, output: result })) as {
      type: string;
      value: { type: string; data?: string }[];
    };
    expect(output.type).toBe('content');
    expect(output.value.map((p) => p.type)).toContain('image-data');
    expect(isPng(output.value.find((p) => p.type === 'image-data')?.data)).toBe(true);
    const echo = direct.everything__echo;
    const said = await echo?.execute?.({ message: 'hi' }, { toolCallId: 'c2', messages: [] });
    expect(await echo?.toModelOutput?.({ toolCallId: 'c2', input: {}, output: said })).toEqual({
      type: 'text',
      value: 'Echo: hi',
    });
  });

  it('toolscript/anthropic: a returned image is an image block in the tool_result the API receives', async () => {
    const replies = [
      {
        content: [{ type: 'tool_use', id: 'tu1', name: 'execute_code', input: { code: SCRIPT } }],
        stop_reason: 'tool_use',
      },
      { content: [{ type: 'text', text: 'done', citations: null }], stop_reason: 'end_turn' },
    ];
    const { client, requests: bodies } = replayingClient(replies.map((reply) => () => reply));
    await toolUseLoop(client, createAnthropicTools(gateway), 'Show me the tiny image');
    const sent = (bodies[1]?.messages.at(-1)?.content ?? []) as Anthropic.ToolResultBlockParam[];
    const result = sent[0];
    const blocks = result?.content as (Anthropic.TextBlockParam | Anthropic.ImageBlockParam)[];
    expect(blocks.map((b) => b.type)).toEqual(['text', 'image']);
    const image = blocks[1] as Anthropic.ImageBlockParam;
    expect(image.source).toMatchObject({ type: 'base64', media_type: 'image/png' });
    expect(isPng((image.source as Anthropic.Base64ImageSource).data)).toBe(true);
  });
});
