import type { PythonSandbox, PythonSandboxOptions } from './index.js';

/**
 * Python's interpreters, started on the first Python script: pyodide and Deno are looked for and
 * this folder's modules loaded only then, so a gateway that never runs Python never pays for them.
 */
export class LazyPythonSandbox {
  private sandbox: Promise<PythonSandbox> | undefined;

  constructor(private readonly options: PythonSandboxOptions) {}

  /**
   * The sandbox, started on the first call; later calls share it.
   * @throws {ConfigError} when Deno or the pyodide package is missing (see `pythonUnavailable`).
   */
  get(): Promise<PythonSandbox> {
    this.sandbox ??= import('./index.js').then(({ PythonSandbox }) => PythonSandbox.create(this.options));
    return this.sandbox;
  }

  /** Stops the interpreters, if they were started. */
  async close(): Promise<void> {
    await this.sandbox?.then((python) => python.close()).catch(() => {});
  }
}
