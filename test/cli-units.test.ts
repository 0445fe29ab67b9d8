import { describe, expect, it } from 'vitest';
import { browserCommand } from '../src/cli/commands/auth.js';
import { exec, tokenLine } from '../src/cli/commands/exec.js';
import { runCli } from '../src/cli/main.js';
import { startupWarning } from '../src/cli/shared.js';
import { DenoSandbox } from '../src/sandbox/deno/index.js';
import { locateDeno } from '../src/sandbox/subprocess/locate.js';

const tokens = (codeMode: number, direct: number) => ({
  codeMode,
  direct,
  directCumulative: direct,
  reduction: 1 - codeMode / direct,
  definitions: 0,
  estimated: false,
  countingMs: 0,
  tokenizer: 'o200k_base',
});
const call = { server: 's', tool: 't', ms: 1, ok: true, argsBytes: 2, resultBytes: 2 };

describe('the exec token line', () => {
  it('never claims a negative saving', () => {
    expect(tokenLine({ calls: [], tokens: tokens(50, 10) })).toBe(
      'tokens: the script made no tool calls, so there is nothing to compare with direct tool calling',
    );
    const worse = tokenLine({ calls: [call], tokens: tokens(120, 100) });
    expect(worse).toContain('no saving here: direct calling would have used fewer');
    expect(worse).not.toMatch(/-\d/);
    expect(tokenLine({ calls: [call], tokens: tokens(10, 1000) })).toContain('(99.0% fewer;');
  });
});

describe('exec on a terminal', () => {
  it('says it reads the script from standard input', async () => {
    const err: string[] = [];
    const code = await exec(['-', '--config', '/nonexistent/config.json'], {
      stdout: () => {},
      stderr: (text) => err.push(text),
      readStdin: async () => 'export default 1',
      stdinIsTTY: () => true,
    });
    expect(err[0]).toBe(
      'Reading the script from standard input; end it with Ctrl-D (or pass a file: toolscript exec FILE).\n',
    );
    expect(code).toBe(2); // then the missing config, in one line
    expect(err[1]).toMatch(/^error: config file not found: \/nonexistent\/config\.json/);
  });
});

describe('Deno is opt-in', () => {
  it('is not found without the package, PATH or TOOLSCRIPT_DENO, and the error says how to get it', async () => {
    const nowhere = { PATH: '/nonexistent' };
    expect(locateDeno({ ...nowhere, TOOLSCRIPT_DENO: '/nonexistent/deno' })).toBeUndefined();
    // The deno npm package is not a dependency, so only PATH or TOOLSCRIPT_DENO can find it here.
    expect(locateDeno(nowhere)).toBeUndefined();
    await expect(DenoSandbox.create({ env: nowhere })).rejects.toThrow(
      /sandbox.backend "deno" needs Deno, which was not found \(install it with "npm install deno"/,
    );
  });
});

/** Runs the CLI in this process, capturing its output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

describe('CLI usage', () => {
  it('has --help on every command and rejects bad usage with exit code 2', async () => {
    for (const command of [
      'serve',
      'exec',
      'search',
      'gen',
      'stats',
      'bench',
      'pii',
      'skills',
      'agent',
      'ab',
    ]) {
      const help = await cli([command, '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(new RegExp(`^Usage: toolscript ${command}`));
    }
    expect((await cli(['--help'])).stdout).toContain('Commands:');
    const unknown = await cli(['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: unknown command "fly" (see toolscript --help)\n');
    expect((await cli(['exce'])).stderr).toContain('did you mean "exec"?');
    const typo = await cli(['serve', '--htpp']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "error: Unknown option '--htpp' (did you mean --http?) (see toolscript serve --help)\n",
    );
    expect((await cli(['exec', '--zzzzzz'])).stderr).not.toContain('did you mean');
    // A usage error is one line pointing at --help, not the whole help.
    const usage = await cli(['exec', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("error: Unknown option '--bogus' (see toolscript exec --help)\n");
    const helpOf = await cli(['help', 'exec']);
    expect(helpOf.code).toBe(0);
    expect(helpOf.stdout).toMatch(/^Usage: toolscript exec/);
    const badOption = await cli(['search', 'x', '--detail', 'everything']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--detail must be name, summary or full');
  });
});

describe('toolscript auth login: opening the browser', () => {
  const url =
    'https://auth.example/authorize?response_type=code&client_id=a&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=s';

  it('passes the authorization URL as one argument on every platform, never as shell text', () => {
    // cmd /c start "" <url> split the URL at its first "&" on Windows.
    expect(browserCommand(url, 'win32')).toEqual(['rundll32', ['url.dll,FileProtocolHandler', url]]);
    expect(browserCommand(url, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, 'linux', { DISPLAY: ':0' })).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, 'linux', {})).toBeUndefined();
  });

  it('opens only http and https URLs (the server names the authorization URL)', () => {
    for (const other of ['file:///etc/passwd', 'javascript:alert(1)', 'ms-settings:', 'not a url'])
      expect(browserCommand(other, 'win32')).toBeUndefined();
  });
});

describe('start-up warnings', () => {
  it("show a failed server's cause from its stderr, without stack frames, at most 8 lines", () => {
    const error = [
      "Upstream server 'crash' is unavailable: the connection closed. Check its entry in mcpServers.",
      "--- last stderr of 'crash' ---",
      'node:internal/modules/cjs/loader:1210',
      '  throw err;',
      '',
      "Error: Cannot find module '/nonexistent/server.js'",
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)',
      '    at Module._load (node:internal/modules/cjs/loader:1038:27)',
      "  code: 'MODULE_NOT_FOUND',",
      ...Array.from({ length: 5 }, (_, i) => `line ${i} ${'x'.repeat(i === 4 ? 300 : 1)}`),
    ].join('\n');
    const warning = startupWarning(error);
    const lines = warning.trimEnd().split('\n');
    expect(lines[0]).toBe(
      "warning: Upstream server 'crash' is unavailable: the connection closed. Check its entry in mcpServers.",
    );
    expect(lines[1]).toBe('  its stderr (its last 8 lines):');
    expect(lines.slice(2)).toHaveLength(8);
    expect(warning).toContain("  | Error: Cannot find module '/nonexistent/server.js'");
    expect(warning).not.toContain(' at Module.');
    expect(lines.at(-1)).toBe(`  | line 4 ${'x'.repeat(193)}…`);
    expect(startupWarning("Upstream server 'x' is unavailable: no answer within 10 ms.")).toBe(
      "warning: Upstream server 'x' is unavailable: no answer within 10 ms.\n",
    );
  });
});
