/**
 * Token savings over time: cumulative tokens in code mode against direct tool calling (uPlot),
 * on a logarithmic axis: code mode is often a hundredth of direct calling, which a linear axis
 * draws as a flat line at 0.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type FeedEntry, number } from './api.js';

export function SavingsChart({ executions }: { executions: FeedEntry[] }) {
  const box = useRef<HTMLDivElement>(null);
  const counted = executions.filter((e) => e.tokens).reverse();
  let code = 0;
  let direct = 0;
  const data: [number[], number[], number[]] = [[], [], []];
  for (const e of counted) {
    code += e.tokens?.codeMode ?? 0;
    direct += e.tokens?.direct ?? 0;
    data[0].push(Date.parse(e.time) / 1000);
    data[1].push(code);
    data[2].push(direct);
  }
  useEffect(() => {
    const element = box.current;
    if (!element || counted.length === 0) return;
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 220,
        series: [
          {},
          { label: 'code mode', stroke: '#2563eb', width: 2 },
          { label: 'direct calling', stroke: '#dc2626', width: 2 },
        ],
        scales: { y: { distr: 3, log: 10 } },
        // A log axis leaves some ticks unlabelled (null).
        axes: [{}, { size: 70, values: (_u, ticks) => ticks.map((t) => (t == null ? '' : number(t))) }],
      },
      data,
      element,
    );
    return () => plot.destroy();
  });
  const saved = direct ? Math.round((1 - code / direct) * 100) : 0;
  return (
    <>
      <p>
        {counted.length
          ? `${number(code)} tokens in code mode against ${number(direct)} with direct tool calling over ${counted.length} executions: ${saved}% saved.`
          : 'No execution with token accounting yet.'}
      </p>
      <div
        ref={box}
        class="chart"
        role="img"
        aria-label="Cumulative tokens, code mode against direct calling, on a logarithmic axis"
      />
      {counted.length > 0 && (
        <small>Tokens on a logarithmic axis, so code mode's line shows beside direct calling's.</small>
      )}
    </>
  );
}
