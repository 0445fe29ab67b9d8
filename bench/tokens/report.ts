import { median } from '../support/stats.js';

/** One workflow measured one way in one configuration. */
export interface Row {
  workflow: string;
  task: string;
  /** `own servers` (only what the workflow needs) or `all servers` (every server connected). */
  config: string;
  dataHeavy: boolean;
  /** Calls the code-mode script made. */
  calls: number;
  /** Calls of the direct-calling trajectory. */
  directCalls: number;
  /** Code mode: gateway tool definitions, discovery requests and answers, script and output. */
  codeMode: number;
  /** Direct: upstream tool definitions plus every call's arguments and result. */
  direct: number;
  /** Direct, billed per model turn. */
  directCumulative: number;
  /** Of `direct`: the upstream tool definitions. */
  definitions: number;
  reduction: number;
  codeModeMs: number;
  directMs: number;
  /**
   * The direct trajectory through the gateway's plain tools (`expose: "tools"`): its `tools/list`
   * plus every call's arguments and result as the client got them.
   */
  toolsMode: number;
  toolsModeMs: number;
  /** Token counting time inside the execution, in ms. */
  countingMs: number;
  /** Some payloads were counted from samples and scaled. */
  estimated: boolean;
  /** Both ways computed the same answer. */
  sameAnswer: boolean;
  /** Codes of the hints the code-mode execution got (`_meta.toolscript.hints`); the answer's `hint:` line, if any. */
  hints: string[];
  hintLine: string | null;
}

const number = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The Markdown tables (one per configuration) with a summary line each. */
export function renderMarkdown(rows: Row[]): string {
  const out: string[] = [
    '# Token benchmark',
    '',
    'o200k_base tokens (gpt-tokenizer); an estimate for non-OpenAI models. `*` = some payloads counted from samples and scaled.',
    '',
  ];
  for (const config of [...new Set(rows.map((r) => r.config))]) {
    const group = rows.filter((r) => r.config === config);
    out.push(`## ${config}`, '');
    out.push(
      '| workflow | calls (code / direct) | code mode | direct | gateway tools mode | direct cumulative | reduction | code mode ms | direct ms | tools mode ms | same answer | hints |',
    );
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
    for (const r of group) {
      out.push(
        `| ${r.workflow} | ${r.calls} / ${r.directCalls} | ${number(r.codeMode)} | ${number(r.direct)}${r.estimated ? '*' : ''} | ${number(r.toolsMode)} | ${number(r.directCumulative)} | ${percent(r.reduction)} | ${number(r.codeModeMs)} | ${number(r.directMs)} | ${number(r.toolsModeMs)} | ${r.sameAnswer ? 'yes' : 'NO'} | ${r.hints.join(', ') || 'none'} |`,
      );
    }
    const heavy = group.filter((r) => r.dataHeavy).map((r) => r.reduction);
    out.push(
      '',
      `Median reduction over the data-heavy workflows: ${percent(median(heavy))}. Tool definitions in direct: ${number(Math.min(...group.map((r) => r.definitions)))}–${number(Math.max(...group.map((r) => r.definitions)))} tokens.`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

/** A horizontal bar chart of the reductions (SVG), negative bars in red. */
export function renderSvg(rows: Row[]): string {
  const width = 720;
  const barHeight = 26;
  const left = 190;
  const scale = (width - left - 80) / 2; // -100%..+100%
  const zero = left + scale;
  const height = rows.length * barHeight + 50;
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * barHeight;
      const value = Math.max(-1, Math.min(1, r.reduction));
      const x = value >= 0 ? zero : zero + value * scale;
      const w = Math.abs(value) * scale;
      const color = value >= 0 ? '#2f7d4f' : '#b3261e';
      const labelX = value >= 0 ? zero + w + 4 : x - 4;
      const anchor = value >= 0 ? 'start' : 'end';
      return (
        `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${r.workflow}</text>` +
        `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${barHeight - 8}" fill="${color}"/>` +
        `<text x="${labelX.toFixed(1)}" y="${y + 17}" text-anchor="${anchor}">${percent(r.reduction)}</text>`
      );
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img">
  <title>Context tokens saved by code mode against direct tool calling, per workflow</title>
  <text x="${width / 2}" y="16" text-anchor="middle" font-weight="bold">Context tokens saved by code mode vs direct tool calling</text>
  <line x1="${zero}" y1="26" x2="${zero}" y2="${height - 16}" stroke="#888"/>
  ${bars}
  <text x="${zero}" y="${height - 2}" text-anchor="middle" fill="#555">0%</text>
</svg>
`;
}
