/** Read-only views: servers, executions (with details), skills, PII audit. */
import { useState } from 'preact/hooks';
import { type FeedEntry, number, type PiiRow, type ServerRow, type SkillRow } from './api.js';
import { Section, Table } from './parts.js';

export function Servers({ servers }: { servers: ServerRow[] }) {
  return (
    <Section id="servers" title="Servers">
      <Table columns={['Server', 'Status', 'Tools', 'Restarts', 'Protocol', 'Policy']}>
        {servers.map((s) => (
          <tr key={s.name}>
            <th scope="row">
              {s.name}
              <small>{s.description}</small>
            </th>
            <td>
              <span class={s.ok ? 'ok' : 'bad'}>{s.ok ? 'up' : 'down'}</span>
              {s.error && <small>{s.error.split('\n')[0]}</small>}
            </td>
            <td>
              {s.tools}
              {s.deniedTools ? <small>{s.deniedTools} denied</small> : null}
            </td>
            <td>{s.restarts ?? 0}</td>
            <td>{s.protocolVersion ?? '—'}</td>
            <td>{policyText(s.policy)}</td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}

function policyText(policy: ServerRow['policy']): string {
  const parts = [
    policy.allowTools && `allow ${policy.allowTools.join(', ')}`,
    policy.denyTools && `deny ${policy.denyTools.join(', ')}`,
    policy.requireApproval && `approval: ${policy.requireApproval.join(', ')}`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'all tools';
}

function Detail({ entry }: { entry: FeedEntry }) {
  return (
    <div class="detail">
      <h3>Script</h3>
      <pre>{entry.script}</pre>
      <h3>Logs</h3>
      <pre>{entry.logs.length ? entry.logs.join('\n') : '(none)'}</pre>
      <h3>Answer</h3>
      <pre>{entry.output}</pre>
      <h3>Calls</h3>
      <Table columns={['#', 'Tool', 'ms', 'Outcome']}>
        {entry.calls.map((c, i) => (
          <tr key={`${i}${c.tool}`}>
            <td>{i + 1}</td>
            <td>
              {c.server}.{c.tool}
            </td>
            <td>{Math.round(c.ms)}</td>
            <td>{c.ok ? 'ok' : 'failed'}</td>
          </tr>
        ))}
      </Table>
    </div>
  );
}

export function Executions({ executions }: { executions: FeedEntry[] }) {
  const [open, setOpen] = useState<number | undefined>();
  const shown = executions.find((e) => e.id === open);
  const title = (
    <>
      Executions <small aria-live="polite">{executions.length} shown, live</small>
    </>
  );
  return (
    <Section id="executions" title={title}>
      <Table
        label="Executions"
        columns={['Time', 'Session', 'Outcome', 'Calls', 'Tokens (code / direct)', 'ms', 'Result']}
      >
        {executions.map((e) => (
          <tr key={e.id} class={e.id === open ? 'open' : ''}>
            <td>
              <button type="button" class="link" onClick={() => setOpen(e.id === open ? undefined : e.id)}>
                {new Date(e.time).toLocaleTimeString()}
              </button>
            </td>
            <td>{e.session}</td>
            <td>
              <span class={e.ok ? 'ok' : 'bad'}>{e.ok ? 'ok' : e.code}</span>
            </td>
            <td>{e.calls.length}</td>
            <td>
              {e.tokens
                ? `${number(e.tokens.codeMode)} / ${number(e.tokens.direct)} (${Math.round(e.tokens.reduction * 100)}% saved)`
                : '—'}
            </td>
            <td>{Math.round(e.ms)}</td>
            <td class="preview">{e.preview}</td>
          </tr>
        ))}
      </Table>
      {executions.length === 0 && <p>No execution yet: run a script from a client or the playground.</p>}
      {shown && <Detail entry={shown} />}
    </Section>
  );
}

/** The share of cached tools' calls answered from the cache (config `cache`), over the executions shown. */
export function CacheRate({ executions }: { executions: FeedEntry[] }) {
  const looked = executions.flatMap((e) => e.calls.filter((c) => c.cached !== undefined));
  if (!looked.length) return null;
  const hits = looked.filter((c) => c.cached).length;
  return (
    <p role="status" aria-label="Cache hit rate">
      Memoized calls: {number(hits)} of {number(looked.length)} answered from the cache (
      {Math.round((100 * hits) / looked.length)}%).
    </p>
  );
}

export function Skills({ skills }: { skills: SkillRow[] }) {
  return (
    <Section id="skills" title="Skills">
      {skills.length === 0 ? (
        <p>No saved skill.</p>
      ) : (
        <Table columns={['Skill', 'Version', 'Status', 'Uses']}>
          {skills.map((s) => (
            <tr key={s.name}>
              <th scope="row">
                {s.name}
                <small>{s.description}</small>
              </th>
              <td>{s.version}</td>
              <td>{s.status}</td>
              <td>
                {s.uses}
                {s.failures ? <small>{s.failures} failed</small> : null}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  );
}

export function PiiAudit({ rows }: { rows: PiiRow[] }) {
  return (
    <Section id="pii" title="PII audit">
      <p>
        Tools that received real values for tokens the model passed back: counts by type, never the values.
      </p>
      {rows.length === 0 ? (
        <p>No untokenization recorded.</p>
      ) : (
        <Table columns={['Time', 'Session', 'Tool', 'Values']}>
          {rows.map((r) => (
            <tr key={`${r.time}${r.session}${r.tool}`}>
              <td>{new Date(r.time).toLocaleString()}</td>
              <td>{r.session}</td>
              <td>
                {r.server}.{r.tool}
              </td>
              <td>
                {Object.entries(r.types)
                  .map(([type, n]) => `${type}×${n}`)
                  .join(' ')}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  );
}
