/**
 * What one execution is made of, shared by the pipeline (`pipeline.ts`) and its Python branch
 * (`python.ts`): the per-execution options, the parts of the gateway it uses, and the host side
 * of a run (`openHost`).
 */
import { setMaxListeners } from 'node:events';
import type { Approver } from '../approvals/approvals.js';
import type { Bridge } from '../bridge/bridge.js';
import type { Catalog } from '../catalog/catalog.js';
import type { BindingTree } from '../codegen/binding-tree.js';
import type { ToolscriptConfig } from '../config/index.js';
import type { PiiGuard } from '../pii/guard.js';
import type { PiiVault } from '../pii/vault.js';
import { type PythonScript, RunClock, type Sandbox } from '../sandbox/contract.js';
import type { ServerImports } from '../script/imports.js';
import type { SkillLibrary } from '../skills/library.js';
import type { TraceContext } from '../telemetry/spans.js';
import type { Elicitor } from '../upstream/elicitation.js';
import { workspaceHostFunctions } from '../workspace/host.js';
import type { Workspace } from '../workspace/workspace.js';
import type { ExecutionResult } from './result.js';
import type { ScriptTypechecker, TypecheckMode } from './typecheck.js';

/** What runs Python scripts (see `sandbox/python`): a payload for its runner, and the usual options. */
/** Runs Python scripts: `PythonSandbox`, started on the first one. */
export type PythonRunner = Sandbox<PythonScript>;

/** Per-execution options: overrides of the config's `sandbox` limits, and the session's PII vault. */
export interface ExecuteOptions {
  timeoutMs?: number;
  memoryMb?: number;
  maxOutputTokens?: number;
  /**
   * The session's vault, so tokens stay the same across its executions. With `pii.enabled` and no
   * vault, the execution gets a vault of its own.
   */
  vault?: PiiVault;
  /** Session id written to the PII audit log. @default "local" */
  session?: string;
  /**
   * `"with-calls"` skips token accounting for an execution that made no tool call (`tokens` is
   * then absent): there is nothing to compare, and the tokenizer need not load. @default "always"
   */
  accounting?: 'always' | 'with-calls';
  /**
   * Cancels the execution: the script stops, no new upstream call starts, the one in flight is
   * cancelled, and the result is `CANCELLED`.
   */
  signal?: AbortSignal | undefined;
  /**
   * Asks a person before a tool listed in `requireApproval` runs; without one such a call fails
   * with `APPROVAL_REQUIRED` (unless `approvals.fallback` is "allow").
   */
  approve?: Approver | undefined;
  /**
   * Passes an upstream server's own questions (MCP elicitation) on to the person at the client;
   * without it they are refused and the call fails with `TOOL_ERROR`.
   */
  elicit?: Elicitor | undefined;
  /** Overrides `sandbox.typecheck` for this execution. */
  typecheck?: TypecheckMode;
  /** Called after each tool call the script makes, with the number made so far (for progress). */
  onCall?: ((calls: number) => void) | undefined;
  /** The script's language; Python runs in Pyodide (see `sandbox/python`). @default "typescript" */
  language?: ScriptLanguage;
  /**
   * The OpenTelemetry context the execution's span (`toolscript.execute`) starts in, and with it
   * the spans of the script's tool calls. @default the active context
   */
  trace?: TraceContext | undefined;
}

/** Languages a script may be written in. */
export type ScriptLanguage = 'typescript' | 'python';

/** One line added to tokenized output, so the model knows what to do with tokens. */
export const PII_NOTE =
  '[toolscript: personal data is shown as tokens such as [EMAIL_1]; pass tokens to tools as they are.]';

/** Told of each finished execution, with the session that ran it and its script (see `Gateway.onExecution`). */
export type ExecutionListener = (execution: Execution, context: { session: string; script: string }) => void;

/**
 * The listeners of a gateway's finished executions. A listener that throws changes nothing for
 * the execution or the other listeners.
 */
export class ExecutionListeners {
  private readonly listeners = new Set<ExecutionListener>();

  /** Adds `listener`; @returns a function that removes it. */
  add(listener: ExecutionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener of `execution`, each error contained. */
  notify(execution: Execution, context: { session: string; script: string }): void {
    for (const listener of this.listeners) {
      try {
        listener(execution, context);
      } catch {
        // A listener's failure is its own: the execution and the other listeners go on.
      }
    }
  }
}

/** An execution's record; `tokens` is absent only with `accounting: "with-calls"` and no call. */
export type Execution = Omit<ExecutionResult, 'tokens'> & { tokens?: ExecutionResult['tokens'] };

/** What the pipeline uses of the gateway, passed in so each step's owner stays in one place. */
export interface PipelineParts {
  sandbox: Sandbox;
  /** The config's `sandbox` limits; `ExecuteOptions` override them per execution. */
  limits: ToolscriptConfig['sandbox'];
  catalog: Catalog;
  bridge: Bridge;
  /** The generated bindings; the sandbox imports their JavaScript modules. */
  bindings: BindingTree;
  skills: SkillLibrary;
  pii: PiiGuard;
  /** The session's workspace (`<dataDir>/workspaces/<session>/`). */
  workspace: (session: string) => Workspace;
  /** Starts the servers a script imports (a no-op when every server is started at once). */
  connectFor: (used: ServerImports) => Promise<void>;
  /** o200k_base tokens of every connected tool's definition. */
  definitionTokens: () => Promise<number>;
  /** The Python sandbox, started on first use; absent when Python is not available. */
  python?: () => Promise<PythonRunner>;
  /** Checks scripts before they run, when `sandbox.typecheck` is not "off". */
  typecheck?: ScriptTypechecker;
  /** Records the finished execution (metrics, the dashboard's feed), with its session and script. */
  record?: (
    execution: Execution,
    memoryBytes: number | undefined,
    context: { session: string; script: string },
  ) => void;
}

/**
 * The host side of one execution, for either language: the bridge's host functions (tool calls
 * with PII untokenization, approvals on the run's clock, progress after each call) and the
 * session's workspace and state. `close()` drops workspace operations still queued once the
 * script ended (e.g. on TIMEOUT).
 */
export function openHost(
  parts: Pick<PipelineParts, 'bridge' | 'pii' | 'workspace'>,
  options: {
    session: string;
    vault: PiiVault | undefined;
    signal?: AbortSignal | undefined;
    approve?: Approver | undefined;
    elicit?: Elicitor | undefined;
    onCall?: ((calls: number) => void) | undefined;
    trace?: TraceContext | undefined;
  },
) {
  const { session, vault, signal, approve, elicit, onCall, trace } = options;
  // Each upstream call in flight listens on the signal, and a script may make hundreds at once:
  // a signal of their own keeps Node's listener-leak warning (10) for real leaks.
  const callSignal = signal && AbortSignal.any([signal]);
  if (callSignal) setMaxListeners(0, callSignal);
  // Stops the script's time limit while a person decides on a call (approvals).
  const clock = new RunClock();
  const { hostFunctions, calls, payloads } = parts.bridge.session(
    vault ? (server, tool, args) => parts.pii.untokenizeArgs(vault, session, server, tool, args) : undefined,
    callSignal,
    {
      session,
      approver: approve,
      elicitor: elicit,
      show: vault ? (args) => vault.tokenize(args) : undefined,
      clock,
      trace,
    },
  );
  const callTool = hostFunctions.callTool;
  if (onCall && callTool) {
    hostFunctions.callTool = (...args) => callTool(...args).finally(() => onCall(calls.length));
  }
  let running = true;
  Object.assign(hostFunctions, workspaceHostFunctions(parts.workspace(session).forExecution(() => running)));
  return {
    hostFunctions,
    calls,
    payloads,
    clock,
    close: () => {
      running = false;
    },
  };
}
