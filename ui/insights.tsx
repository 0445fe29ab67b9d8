/** The insights panel: what the recorded executions and searches say (`toolscript insights`). */
import { useEffect, useState } from 'preact/hooks';
import { api, type InsightsAnswer, number } from './api.js';
import { Section, Table } from './parts.js';

const PERIODS = [
  ['1h', 'last hour'],
  ['24h', 'last 24 hours'],
  ['7d', 'last 7 days'],
  ['', 'everything kept'],
] as const;

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`);

export function Insights() {
  const [since, setSince] = useState<string>('24h');
  const [answer, setAnswer] = useState<InsightsAnswer | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [cleared, setCleared] = useState<string | undefined>();
  const load = () =>
    api.insights(since).then(
      (next) => {
        setAnswer(next);
        setError(undefined);
      },
      (e: unknown) => setError(String(e)),
    );
  useEffect(() => {
    void load();
  }, [since]);
  const report = answer?.report;
  return (
    <Section id="insights" title="Insights">
      <label for="insights-since">Period</label>{' '}
      <select id="insights-since" value={since} onChange={(e) => setSince(e.currentTarget.value)}>
        {PERIODS.map(([value, label]) => (
          <option value={value} key={value}>
            {label}
          </option>
        ))}
      </select>{' '}
      <button type="button" class="secondary" onClick={() => void load()}>
        Refresh
      </button>
      {error && <p role="alert">{error}</p>}
      {answer && !answer.recording && <p>Recording is off ("insights": false in the config).</p>}
      {report && (
        <>
          <p>
            {number(report.executions.total)} executions ({number(report.executions.failed)} failed),{' '}
            {number(report.discovery.searches)} searches. Tokens: code mode {number(report.tokens.codeMode)}{' '}
            against direct tool calling {number(report.tokens.direct)} ({number(report.tokens.saved)} saved,
            o200k_base).
          </p>
          {report.hints.length > 0 && (
            <Table columns={['Hint', 'Executions']} label="Hints by frequency">
              {report.hints.map((h) => (
                <tr key={h.name}>
                  <th scope="row">{h.name}</th>
                  <td>{number(h.count)}</td>
                </tr>
              ))}
            </Table>
          )}
          {report.toolErrors.length > 0 && (
            <Table columns={['Tool', 'Error', 'Calls']} label="Failed tool calls">
              {report.toolErrors.map((e) => (
                <tr key={`${e.tool}${e.code}`}>
                  <th scope="row">{e.tool}</th>
                  <td>{e.code}</td>
                  <td>{number(e.count)}</td>
                </tr>
              ))}
            </Table>
          )}
          {report.slowTools.length > 0 && (
            <Table columns={['Tool', 'p50', 'p95', 'Calls']} label="Slowest tools">
              {report.slowTools.map((t) => (
                <tr key={t.tool}>
                  <th scope="row">{t.tool}</th>
                  <td>{ms(t.p50Ms)}</td>
                  <td>{ms(t.p95Ms)}</td>
                  <td>{number(t.calls)}</td>
                </tr>
              ))}
            </Table>
          )}
          {report.sessions.length > 0 && (
            <Table
              columns={['Session', 'Executions', 'Code mode', 'Direct', 'Saved']}
              label="Tokens per session"
            >
              {report.sessions.map((s) => (
                <tr key={s.session}>
                  <th scope="row">{s.session}</th>
                  <td>{number(s.executions)}</td>
                  <td>{number(s.codeMode)}</td>
                  <td>{number(s.direct)}</td>
                  <td>{number(s.saved)}</td>
                </tr>
              ))}
            </Table>
          )}
          <p role="status" aria-label="Discovery misses">
            Discovery: {number(report.discovery.misses)} of {number(report.discovery.searches)} searches not
            followed by a call of a tool they answered ({percent(report.discovery.missRate)}).
            {report.discovery.missed.length > 0 &&
              ` Most missed: ${report.discovery.missed.map((m) => `"${m.name}" (${m.count})`).join(', ')}.`}
          </p>
          <p>
            Call cache: {number(report.cache.hits)} hits, {number(report.cache.misses)} misses (
            {percent(report.cache.hitRate)}).{' '}
            {answer?.cache && (
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  void api.clearCache().then(
                    (done) =>
                      setCleared(
                        `Dropped ${number(done.dropped)} kept result${done.dropped === 1 ? '' : 's'}.`,
                      ),
                    (e: unknown) => setCleared(String(e)),
                  )
                }
              >
                Clear the call cache
              </button>
            )}
            {cleared && <span role="status"> {cleared}</span>}
          </p>
        </>
      )}
    </Section>
  );
}
