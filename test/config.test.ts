import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { describe, expect, it } from 'vitest';
import { defaultConfig, expandVariables, loadConfig, parseConfig } from '../src/config/index.js';
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
      maxImageBytes: 2 * 1024 * 1024,
      pythonPool: 2,
      typecheck: 'off',
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

  it('names a server called "__proto__" instead of dropping it without a word', () => {
    const text =
      '{"mcpServers": {"__proto__": {"command": "node", "args": ["x.js"]}, "ok": {"command": "node"}}}';
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-proto-'));
    const file = join(dir, 'toolscript.config.json');
    writeFileSync(file, text);
    expect(() => loadConfig({ file })).toThrow(
      /mcpServers\.__proto__: server names start with a letter or digit/,
    );
    expect(() => parseConfig(JSON.parse(text))).toThrow(/mcpServers\.__proto__: .*rename the server/);
  });

  it('rejects unknown keys and a missing mcpServers', () => {
    expect(() => parseConfig({ mcpServer: {} })).toThrow(/mcpServers/);
    expect(() => parseConfig({ mcpServers: {}, sandbox: { timeout: 5 } })).toThrow(/sandbox.*timeout/s);
  });

  it('names the nearest key for an unknown one, at every level', () => {
    expect(() => parseConfig({ mcpServers: {}, sandbox: { timeout: 5 } })).toThrow(
      /sandbox\.timeout: unknown key \(did you mean "timeoutMs"\?\)/,
    );
    expect(() => parseConfig({ mcpServers: { a: { comand: 'node' } } })).toThrow(
      /mcpServers\.a\.comand: unknown key \(did you mean "command"\?\)/,
    );
    expect(() => loadConfig({ cwd: writeConfig('{ "mcpServer": {} }') })).toThrow(
      /mcpServer: unknown key \(did you mean "mcpServers"\?\)/,
    );
  });

  it('expands ${VAR} and ${VAR:-default} in command, args, env, cwd, url and headers, and reports unset ones', () => {
    const input = {
      mcpServers: {
        a: {
          command: '${MY_BIN:-node}',
          args: ['--token', '${MY_TOKEN}', '${MY_ROOT:-/srv}/data'],
          cwd: '${MY_ROOT:-/srv}',
          env: { TOKEN: '${MY_TOKEN}', MODE: '${MY_MODE:-fast}' },
        },
        b: {
          type: 'http',
          url: '${MY_URL:-https://h}/mcp',
          headers: { Authorization: 'Bearer ${MY_TOKEN}' },
        },
      },
    };
    const expanded = parseConfig(expandVariables(input, { MY_TOKEN: 's3cret', MY_ROOT: '/opt' }));
    expect(expanded.mcpServers.a).toMatchObject({
      command: 'node',
      args: ['--token', 's3cret', '/opt/data'],
      cwd: '/opt',
      env: { TOKEN: 's3cret', MODE: 'fast' },
    });
    expect(expanded.mcpServers.b).toMatchObject({
      url: 'https://h/mcp',
      headers: { Authorization: 'Bearer s3cret' },
    });
    expect(() => expandVariables(input, {})).toThrow(
      /mcpServers\.a\.args\[1\]: environment variable MY_TOKEN is not set/,
    );
  });

  it('reads a Claude Desktop config unchanged: other keys ignored with one notice, disabled servers skipped', () => {
    const dir = writeConfig(
      JSON.stringify({
        globalShortcut: 'Ctrl+Space',
        preferences: { theme: 'dark' },
        mcpServers: {
          files: { type: 'stdio', command: 'node', args: ['server.js'], autoApprove: ['read_file'] },
          off: { command: 'node', disabled: true },
          toolscript: { command: 'npx', args: ['-y', 'toolscript', 'serve'] },
        },
      }),
    );
    const { config, notices } = loadConfig({ cwd: dir });
    expect(Object.keys(config.mcpServers)).toEqual(['files']);
    expect(notices).toEqual([
      'ignoring keys toolscript does not use: globalShortcut, preferences (only "mcpServers" and toolscript\'s own settings are read)',
      'skipping disabled servers: off',
      "skipping toolscript: it starts toolscript itself (a client's entry for this gateway)",
    ]);
  });

  it('looks for toolscript.config.json, then .mcp.json, then uses the bundled default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-lookup-'));
    writeFileSync(
      join(dir, '.mcp.json'),
      JSON.stringify({ mcpServers: { fromMcpJson: { command: 'node' } } }),
    );
    expect(loadConfig({ cwd: dir }).file).toBe(join(dir, '.mcp.json'));
    writeFileSync(
      join(dir, 'toolscript.config.json'),
      JSON.stringify({ mcpServers: { own: { command: 'node' } } }),
    );
    expect(Object.keys(loadConfig({ cwd: dir }).config.mcpServers)).toEqual(['own']);
    expect(Object.keys(loadConfig({ cwd: dir, file: '.mcp.json' }).config.mcpServers)).toEqual([
      'fromMcpJson',
    ]);
  });

  it('keeps data in the user data folder, TOOLSCRIPT_DATA_DIR or dataDir, never the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-data-'));
    const byDefault = loadConfig({ cwd: dir, env: {} }).config.dataDir;
    expect(byDefault).toBe(envPaths('toolscript', { suffix: '' }).data);
    expect(byDefault.startsWith(dir)).toBe(false);
    expect(loadConfig({ cwd: dir, env: { TOOLSCRIPT_DATA_DIR: '/var/ts' } }).config.dataDir).toBe('/var/ts');
    const file = writeConfig(
      JSON.stringify({ mcpServers: {}, dataDir: 'state', pii: { auditLog: 'audit.jsonl' } }),
    );
    const { config } = loadConfig({ cwd: file });
    expect(config.dataDir).toBe(join(file, 'state'));
    expect(config.pii.auditLog).toBe(join(file, 'audit.jsonl'));
    expect(defaultConfig(dir, { TOOLSCRIPT_DATA_DIR: '/var/ts' }).pii.auditLog).toBe(
      '/var/ts/pii-audit.jsonl',
    );
  });

  it('warns loudly about a server given a folder that holds the data folder', () => {
    const dir = writeConfig(
      JSON.stringify({
        dataDir: 'state/toolscript',
        mcpServers: {
          wide: { command: 'node', args: ['server.js', tmpdir()] },
          narrow: { command: 'node', args: ['server.js', join(tmpdir(), 'elsewhere')] },
        },
      }),
    );
    const { notices } = loadConfig({ cwd: dir });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^WARNING: server "wide" is given .* which holds toolscript's data folder/);
  });

  it('loads toolscript.config.json from the working directory, resolving a relative cwd', () => {
    const dir = writeConfig(JSON.stringify({ mcpServers: { a: { command: 'node', cwd: 'sub' } } }));
    const { config, file } = loadConfig({ cwd: dir });
    expect(file).toBe(join(dir, 'toolscript.config.json'));
    expect(config.mcpServers.a).toMatchObject({ cwd: join(dir, 'sub') });
  });

  it('explains a missing file and broken JSON', () => {
    expect(() => loadConfig({ file: '/nonexistent/x.json' })).toThrow(
      /config file not found: \/nonexistent\/x.json/,
    );
    const dir = writeConfig('{\n  "mcpServers": {\n    "a": { "command": "node", }\n  }\n}\n');
    expect(() => loadConfig({ cwd: dir })).toThrow(
      /toolscript\.config\.json:3:31: config file is not valid JSON/,
    );
  });

  it('falls back to the bundled default config: filesystem over examples/data and memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolscript-empty-'));
    const { config, file } = loadConfig({ cwd: dir });
    expect(file).toBeUndefined();
    expect(Object.keys(config.mcpServers)).toEqual(['filesystem', 'memory']);
    expect(JSON.stringify(config.mcpServers.filesystem)).toContain('examples/data');
    expect(defaultConfig(dir, { TOOLSCRIPT_DATA_DIR: join(dir, 'data') }).mcpServers.memory).toMatchObject({
      env: { MEMORY_FILE_PATH: join(dir, 'data', 'memory.jsonl') },
    });
  });
});

describe('config errors', () => {
  it('are all reported at once, each once with its path, and never as an empty list of keys', () => {
    const dir = writeConfig(
      JSON.stringify({
        callTimeoutMS: 5,
        sandbox: { memoryMb: 'lots' },
        mcpServers: {
          memory: { comand: 'node', args: [] },
          x: { command: 'node', args: [], envs: ['a'] },
        },
      }),
    );
    let issues: string[] = [];
    try {
      loadConfig({ cwd: dir });
    } catch (error) {
      issues = (error as ConfigError).issues;
    }
    expect(issues).toEqual([
      'callTimeoutMS: unknown key (did you mean "callTimeoutMs"?)',
      'mcpServers.memory.comand: unknown key (did you mean "command"?)',
      'mcpServers.x.envs: unknown key (did you mean "env"?)',
      'sandbox.memoryMb: Invalid input: expected number, received string',
    ]);
  });
});
