import { accountOffThread, COUNT_DEADLINE_MS } from '../accounting/counter.js';
import type { CallPayload } from '../bridge/bridge.js';
import { describeError, formatLog, jsonDepth, MAX_RESULT_DEPTH } from './describe.js';
import { extractMedia } from './media.js';
import { renderOutput } from './output.js';
import { type ExecuteOptions, type Execution, openHost, PII_NOTE, type PipelineParts } from './parts.js';
import { runPythonScript } from './python.js';
import { rememberResultJson } from './result-json.js';

export type { ExecuteOptions, Execution, PipelineParts, ScriptLanguage } from './parts.js';
export { PII_NOTE } from './parts.js';

import { scanServerImports } from '../script/imports.js';
import { transpileScript } from '../script/transpile.js';
import { recordTokens } from '../telemetry/metrics.js';
import { ATTR, endSpan, type Span, SpanKind, startSpan } from '../telemetry/spans.js';
import { type ExecutionHint, executionHints, type HintInput } from './hints.js';
import type { ExecutionResult } from './result.js';

/**
 * One execution from script to answer: transpile, start the servers it imports, run it in the
 * sandbox with the bridge and the session's workspace, then PII tokenization, the model-visible
 * output, token accounting and metrics. Never throws: a failure of the host itself becomes
 * `RUNTIME_ERROR`, naming only its kind (its text may quote the script's data).
 */
export async function runExecution(
  parts: PipelineParts,
  code: string,
  options: ExecuteOptions = {},
): Promise<Execution> {
  const started = performance.now();
  const language = options.language ?? 'typescript';
  const { span, context: within } = startSpan('toolscript.execute', SpanKind.INTERNAL, options.trace, {
    [ATTR.backend]: language === 'python' ? 'pyodide' : parts.limits.backend,
    [ATTR.language]: language,
  });
  let execution: Execution;
  try {
    execution = await run(parts, code, { ...options, trace: within }, started);
  } catch (error) {
    const kind = error instanceof Error ? error.name : 'Error';
    const message = `toolscript could not process this execution (${kind}). Return a smaller, flatter value and try again.`;
    execution = {
      ok: false,
      result: null,
      logs: [],
      calls: [],
      error: { code: 'RUNTIME_ERROR', message },
      output: `Error [RUNTIME_ERROR]: ${message}`,
      ms: performance.now() - started,
    };
  }
  endExecutionSpan(span, execution);
  return execution;
}

/** The execution span's outcome: code, calls, cache hits and tokens (no value the script saw). */
function endExecutionSpan(span: Span, execution: Execution): void {
  span.setAttributes({
    [ATTR.outcome]: execution.error?.code ?? 'ok',
    [ATTR.calls]: execution.calls.length,
    [ATTR.failedCalls]: execution.calls.filter((call) => !call.ok).length,
    [ATTR.cacheHits]: execution.calls.filter((call) => call.cached).length,
    ...(execution.tokens
      ? { [ATTR.codeModeTokens]: execution.tokens.codeMode, [ATTR.directTokens]: execution.tokens.direct }
      : {}),
  });
  if (execution.tokens) recordTokens(execution.tokens);
  endSpan(span, execution.error?.code);
}

/** `{ hints }` for an execution that earned any (see {@link executionHints}), else nothing. */
function hintsOf(input: HintInput): { hints?: ExecutionHint[] } {
  const hints = executionHints(input);
  return hints.length ? { hints } : {};
}

async function run(
  parts: PipelineParts,
  code: string,
  options: ExecuteOptions,
  started: number,
): Promise<Execution> {
  const {
    vault: given,
    session = 'local',
    accounting = 'always',
    signal,
    onCall,
    approve,
    elicit,
    language = 'typescript',
    trace,
    ...overrides
  } = options;
  const limits = { ...parts.limits, ...overrides };
  const vault = parts.pii.enabled ? (given ?? parts.pii.newVault()) : undefined;
  const finish = async (
    given: Pick<ExecutionResult, 'ok' | 'result' | 'logs' | 'error' | 'calls'> & {
      json?: string | undefined;
    },
    payloads: CallPayload[] = [],
    memoryBytes?: number,
  ): Promise<Execution> => {
    // Whatever made the result (a script's serializer may be replaced, in Python too), every later
    // step walks it: one too deep ends here, as an error the model can act on.
    const raw: typeof given =
      given.ok && jsonDepth(given.result ?? null, MAX_RESULT_DEPTH) > MAX_RESULT_DEPTH
        ? {
            ...given,
            ok: false,
            result: null,
            error: {
              code: 'RUNTIME_ERROR' as const,
              message: `The result is nested more than ${MAX_RESULT_DEPTH} levels deep. Return a flatter value.`,
            },
          }
        : given;
    // Counting runs on the worker thread and never takes longer than the execution may run.
    const countBy = performance.now() + Math.min(limits.timeoutMs, COUNT_DEADLINE_MS);
    const left = () => countBy - performance.now();
    // Images, audio and resource links the script returned travel as content blocks, their text
    // fields tokenized (base64 data is not: tokenization could alter it); the text shows one line
    // for each. Links count against the output budget.
    const extracted = raw.ok
      ? extractMedia(raw.result, limits.maxImageBytes, limits.maxOutputTokens)
      : undefined;
    const media =
      extracted && vault
        ? {
            text: extracted.text,
            blocks: extracted.blocks.map((block) =>
              'data' in block
                ? { ...block, mimeType: vault.tokenizeText(block.mimeType) }
                : vault.tokenize(block),
            ),
          }
        : extracted;
    const { json: _json, ...shown } = media ? { ...raw, result: media.text } : raw;
    const partial = vault ? parts.pii.tokenize(shown, vault) : shown;
    // The result's JSON, written once: the sandbox's own text while nothing replaced the result.
    const sandboxJson = raw === given && !media ? given.json : undefined;
    const json =
      partial === shown && sandboxJson !== undefined ? sandboxJson : JSON.stringify(partial.result);
    const rendered = await renderOutput(partial, limits.maxOutputTokens, left(), json);
    if (vault && tokenized(shown, partial, sandboxJson, json)) rendered.output += `\n\n${PII_NOTE}`;
    const args = payloads.map((p) => p.args);
    const early = executionHints({ calls: partial.calls, args, truncated: rendered.truncated });
    // The first hint the model can act on, as one line of the answer (all of them are in _meta);
    // none past a cut answer, whose closing note says what to do already.
    if (early[0] && !rendered.truncated) rendered.output += `\n\nhint: ${early[0].text}`;
    const ms = performance.now() - started;
    const accounted =
      accounting === 'always' || payloads.length > 0
        ? await accountOffThread(
            {
              script: code,
              output: rendered.output,
              definitions: await parts.definitionTokens(),
              calls: payloads,
            },
            left(),
          )
        : undefined;
    // New call records with their token counts: the bridge's traces are left as they were.
    const calls = partial.calls.map((call, i) => ({ ...call, ...accounted?.calls[i] }));
    const execution = {
      ...partial,
      ...(media?.blocks.length ? { content: media.blocks } : {}),
      calls,
      output: rendered.output,
      ...(rendered.truncated ? { truncated: rendered.truncated } : {}),
      ...(accounted ? { tokens: accounted.tokens } : {}),
      ...hintsOf({ calls: partial.calls, args, truncated: rendered.truncated, tokens: accounted?.tokens }),
      ms,
    };
    if (json !== undefined) rememberResultJson(execution, json);
    parts.record?.(execution, memoryBytes, { session, script: code });
    return execution;
  };
  if (language === 'python') {
    const { raw, payloads, memoryBytes } = await runPythonScript(parts, code, {
      session,
      vault,
      signal,
      approve,
      elicit,
      onCall,
      trace,
      limits: { timeoutMs: limits.timeoutMs, memoryMb: limits.memoryMb },
    });
    return finish(raw, payloads, memoryBytes);
  }
  const transpiled = await transpileScript(code);
  if (!transpiled.ok) {
    return finish({
      ok: false,
      result: null,
      logs: [],
      calls: [],
      error: { code: 'SYNTAX_ERROR', message: transpiled.message },
    });
  }
  const used = scanServerImports(transpiled.code);
  await parts.connectFor(used);
  const notes: string[] = [];
  if (limits.typecheck !== 'off' && parts.typecheck) {
    const checked = await parts.typecheck.check(code, used);
    if (limits.typecheck === 'error' && checked.errors.length) {
      return finish({
        ok: false,
        result: null,
        logs: checked.warnings.map((w) => `[typecheck] ${w}`),
        calls: [],
        error: {
          code: 'TYPE_ERROR',
          message: `Tool call arguments do not type-check, so nothing ran:\n${checked.errors.join('\n')}\nFix the arguments (search_tools with detail "full" shows the input types) and run again.`,
        },
      });
    }
    if (checked.skipped)
      notes.push(`[typecheck] skipped: ${checked.skippedBecause ?? 'the checker did not answer in time'}.`);
    for (const text of [...checked.errors, ...checked.warnings]) notes.push(`[typecheck] ${text}`);
  }
  const serverModules = parts.bindings.moduleLookup(used.folders);
  const host = openHost(parts, { session, vault, signal, approve, elicit, onCall, trace });
  const { hostFunctions, calls, payloads, clock } = host;
  const usedSkills = new Set<string>();
  const pinned = used.skills ? await parts.skills.pinnedModules(transpiled.code) : new Map<string, string>();
  const run = await parts.sandbox.run(transpiled.code, {
    modules: (path) => {
      const pin = pinned.get(path);
      if (pin !== undefined) {
        usedSkills.add(path.split('/')[1] as string);
        return pin;
      }
      const skill = /^skills\/([a-z0-9-]+)\/index$/.exec(path)?.[1];
      if (skill === undefined) return serverModules(path);
      const source = parts.skills.moduleSource(skill);
      if (source !== undefined) usedSkills.add(skill);
      return source;
    },
    hostFunctions,
    limits: { timeoutMs: limits.timeoutMs, memoryMb: limits.memoryMb },
    signal,
    clock,
  });
  host.close();
  for (const skill of usedSkills) await parts.skills.store.recordUse(skill, run.ok, run.ms).catch(() => {});
  return finish(
    {
      ok: run.ok,
      result: run.ok ? (run.result ?? null) : null,
      json: run.ok ? run.json : undefined,
      logs: [...notes, ...run.logs.map(formatLog)],
      calls,
      error: run.error
        ? describeError(run.error, {
            servers: () => parts.catalog.listServers().map((server) => server.name),
            skills: () => parts.skills.names(),
          })
        : null,
    },
    payloads,
    run.memoryBytes,
  );
}

/**
 * True when PII tokenization changed what the model sees: the result (compared as JSON, `before`
 * when the sandbox wrote it), a log line or the error.
 */
function tokenized(
  shown: Pick<ExecutionResult, 'result' | 'logs' | 'error'>,
  partial: Pick<ExecutionResult, 'result' | 'logs' | 'error'>,
  before: string | undefined,
  after: string | undefined,
): boolean {
  return (
    (before ?? JSON.stringify(shown.result)) !== after ||
    shown.logs.some((line, i) => line !== partial.logs[i]) ||
    JSON.stringify(shown.error) !== JSON.stringify(partial.error)
  );
}
