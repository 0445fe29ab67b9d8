import { createRequire } from 'node:module';
import type { LanguageModel } from 'ai';
import { ModelConfigError } from '../errors.js';

/**
 * An AI SDK provider package, loaded when a model of it is asked for (they are optional peer
 * dependencies: only users of `agent`, `ab` and `toolscript/agent` install them).
 * @throws {ModelConfigError} naming the package to install when it is missing.
 */
function loadProvider<T>(name: '@ai-sdk/anthropic' | '@ai-sdk/openai' | '@ai-sdk/openai-compatible'): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new ModelConfigError(`This model needs the ${name} package: npm install ai ${name}`, {
      package: name,
    });
  }
}

/** Model used when `--model` is not given. */
export const DEFAULT_MODEL = 'anthropic:claude-sonnet-4-5';

/**
 * Base URLs of local OpenAI-compatible servers at their documented default ports, so
 * `--model ollama:llama3.1` works without `--base-url`. Others need `--base-url`.
 */
export const LOCAL_BASE_URLS: Record<string, string> = {
  ollama: 'http://localhost:11434/v1',
  llamacpp: 'http://localhost:8080/v1',
  vllm: 'http://localhost:8000/v1',
  lmstudio: 'http://localhost:1234/v1',
};

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /** Base URL of the API (any provider); required for providers without a known default. */
  baseUrl?: string | undefined;
  /** Where API keys are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Turns `provider:model` into an AI SDK language model. Nothing is sent until the model is used.
 * - `anthropic:<model>`: key from `ANTHROPIC_API_KEY`.
 * - `openai:<model>`: key from `OPENAI_API_KEY` (Responses API).
 * - any other provider with `baseUrl` (or one of {@link LOCAL_BASE_URLS}): an OpenAI-compatible
 *   chat endpoint (Ollama, llama.cpp server, vLLM…); key from `<PROVIDER>_API_KEY` if set, else none.
 * @throws {ModelConfigError} for a malformed spec, an unknown provider without `baseUrl`, or a
 *   missing API key — the message says which variable to set.
 */
export function resolveModel(spec: string, options: ResolveModelOptions = {}): LanguageModel {
  const env = options.env ?? process.env;
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new ModelConfigError(
      `--model "${spec}" is not provider:model. Examples: ${DEFAULT_MODEL}, openai:gpt-5-mini, ollama:llama3.1 (with --base-url for other OpenAI-compatible servers).`,
      { spec },
    );
  }
  const provider = spec.slice(0, colon).toLowerCase();
  const modelId = spec.slice(colon + 1);
  const baseURL = options.baseUrl;
  const key = (variable: string) => {
    const value = env[variable];
    if (!value) {
      throw new ModelConfigError(
        `${variable} is not set, so the ${provider} model "${modelId}" cannot be used. Export ${variable}=<your key>, or choose another model with --model (e.g. ollama:llama3.1 for a local server).`,
        { provider, variable },
      );
    }
    return value;
  };
  if (provider === 'anthropic') {
    const { createAnthropic } = loadProvider<typeof import('@ai-sdk/anthropic')>('@ai-sdk/anthropic');
    return createAnthropic({ apiKey: key('ANTHROPIC_API_KEY'), ...(baseURL ? { baseURL } : {}) })(modelId);
  }
  if (provider === 'openai') {
    const { createOpenAI } = loadProvider<typeof import('@ai-sdk/openai')>('@ai-sdk/openai');
    return createOpenAI({ apiKey: key('OPENAI_API_KEY'), ...(baseURL ? { baseURL } : {}) })(modelId);
  }
  const url = baseURL ?? LOCAL_BASE_URLS[provider];
  if (!url) {
    throw new ModelConfigError(
      `Unknown provider "${provider}". Use anthropic or openai, one of ${Object.keys(LOCAL_BASE_URLS).join(', ')} (local servers at their default ports), or any name with --base-url for an OpenAI-compatible endpoint.`,
      { provider },
    );
  }
  const { createOpenAICompatible } =
    loadProvider<typeof import('@ai-sdk/openai-compatible')>('@ai-sdk/openai-compatible');
  const apiKey = env[`${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`];
  return createOpenAICompatible({ name: provider, baseURL: url, ...(apiKey ? { apiKey } : {}) }).chatModel(
    modelId,
  );
}
