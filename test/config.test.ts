import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, expandVariables, loadConfig, parseConfig } from '../src/config.js';
import { ConfigError, ToolscriptError } from '../src/errors.js';

function writeConfig(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'toolscript-config-'));
  writeFileSync(join(dir, 'toolscript.config.json'), content);
  return dir;
}

describe('config', () => {
  it('accepts an .mcp.json file unchanged and fills in defaults', () => {
    const config = parseConfig({
      mcpServers: {
        fs: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
          env: { A: 'b' },
        },
        remote: { type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
        old: { type: 'sse', url: 'https://example.com/sse' },
      },
    });
    expect(config.sandbox).toEqual({
      backend: 'quickjs',
      timeoutMs: 30_000,
      memoryMb: 256,
      maxOutputTokens: 4000,
    });
    expect(config.callTimeoutMs).toBe(30_000);
    expect(Object.keys(config.mcpServers)).toEqual(['fs', 'remote', 'old']);
  });

  it('names each bad field and what is expected, in one error', () => {
    let error: unknown;
    try {
      parseConfig({
        mcpServers: { fs: { args: [] }, web: { type: 'http', url: 'not a url' } },
        sandbox: { timeoutMs: -5 },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(ToolscriptError.isInstance(error)).toBe(true);
    const { code, message, issues } = error as ConfigError;
    expect(code).toBe('CONFIG_INVALID');
    expect(message).toContain('mcpServers.fs');
    expect(message).toContain('stdio server { command');
    expect(message).toContain('sandbox.timeoutMs');
    expect(issues.length).toBeGreaterThanOrEqual(3);
  });

  it('rejects unknown keys and a missing mcpServers', () => {
    expect(() => parseConfig({ mcpServer: {} })).toThrow(/mcpServers/);
    expect(() => parseConfig({ mcpServers: {}, sandbox: { timeout: 5 } })).toThrow(/sandbox.*timeout/s);
  });

  it('expands ${VAR} and ${VAR:-default} in env and headers, and reports unset ones', () => {
    const config = parseConfig({
      mcpServers: {
        a: { command: 'x', env: { TOKEN: '${MY_TOKEN}', MODE: '${MY_MODE:-fast}' } },
        b: { type: 'http', url: 'https://h/mcp', headers: { Authorization: 'Bearer ${MY_TOKEN}' } },
      },
    });
    const expanded = expandVariables(config, { MY_TOKEN: 's3cret' });
    expect(expanded.mcpServers.a).toMatchObject({ env: { TOKEN: 's3cret', MODE: 'fast' } });
    expect(expanded.mcpServers.b).toMatchObject({ headers: { Authorization: 'Bearer s3cret' } });
    expect(() => expandVariables(config, {})).toThrow(
      /mcpServers\.a\.env\.TOKEN: environment variable MY_TOKEN is not set/,
    );
  });

  it('loads toolscript.config.json from the working directory, resolving a relative cwd', () => {
    const dir = writeConfig(JSON.stringify({ mcpServers: { a: { command: 'node', cwd: 'sub' } } }));
    const { config, file } = loadConfig({ cwd: dir });
    expect(file).toBe(join(dir, 'toolscript.config.json'));
    expect(config.mcpServers.a).toMatchObject({ cwd: join(dir, 'sub') });
  });

  it('explains a missing file and broken JSON', () => {
    expect(() => loadConfig({ file: '/nonexistent/x.json' })).toThrow(
      /Config file not found: \/nonexistent\/x.json/,
    );
    const dir = writeConfig('{ "mcpServers": ');
    expect(() => loadConfig({ cwd: dir })).toThrow(/is not valid JSON/);
  });

  it('falls back to the bundled default config: filesystem over examples/data and memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-empty-'));
    const { config, file } = loadConfig({ cwd: dir });
    expect(file).toBeUndefined();
    expect(Object.keys(config.mcpServers)).toEqual(['filesystem', 'memory']);
    expect(JSON.stringify(config.mcpServers.filesystem)).toContain('examples/data');
    expect(defaultConfig(dir).mcpServers.memory).toMatchObject({
      env: { MEMORY_FILE_PATH: join(dir, '.toolscript/memory.jsonl') },
    });
  });
});
