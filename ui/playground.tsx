/** Trying the gateway: a tool search (the search `search_tools` runs) and a script runner. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApprovalQuestion, api, type SearchHitRow, type ToolVersionRow } from './api.js';

const EXAMPLES = {
  typescript: `import { listAllowedDirectories } from './servers/filesystem';
return await listAllowedDirectories({});`,
  python: `from servers.filesystem import list_allowed_directories
await list_allowed_directories()`,
};

export function ToolSearch() {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHitRow[] | undefined>();
  const [error, setError] = useState('');
  return (
    <section id="tools" aria-labelledby="tools-title">
      <h2 id="tools-title">Tools</h2>
      <form
        class="row"
        onSubmit={async (event) => {
          event.preventDefault();
          setError('');
          try {
            setHits((await api.search(query)).hits);
          } catch (e) {
            setError(String(e));
          }
        }}
      >
        <label for="search">Search tools</label>
        <input id="search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {hits && hits.length === 0 && <p>No tool matches.</p>}
      {hits && hits.length > 0 && (
        <ol class="hits" aria-label="Search results">
          {hits.map((hit) => (
            <li key={hit.name}>
              <strong>{hit.name}</strong> {hit.version && <small>v{hit.version}</small>} {hit.summary}
              <pre>{`${hit.importFrom}\n${hit.signature ?? ''}`}</pre>
              <ToolHistory tool={hit.tool} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A tool's versions, newest first, with what changed in each (loaded when opened). */
function ToolHistory({ tool }: { tool: string }) {
  const [versions, setVersions] = useState<ToolVersionRow[] | undefined>();
  const [error, setError] = useState('');
  return (
    <details
      onToggle={async (event) => {
        if (!event.currentTarget.open || versions) return;
        try {
          setVersions((await api.history(tool)).versions);
        } catch (e) {
          setError(String(e));
        }
      }}
    >
      <summary>Version history</summary>
      {error && <p role="alert">{error}</p>}
      {versions && versions.length === 0 && <p>No history recorded for {tool}.</p>}
      {versions && versions.length > 0 && (
        <table aria-label={`Versions of ${tool}`}>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">First seen</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={`${v.version}-${v.firstSeen}`}>
                <td>{v.version}</td>
                <td>{v.firstSeen.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  {v.level && <small>{v.level} </small>}
                  {v.changes.length ? v.changes.join('; ') : 'first seen'}
                  {v.serverVersions.length > 0 && <small> (server {v.serverVersions.join(', ')})</small>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

export function Playground() {
  const [language, setLanguage] = useState<'typescript' | 'python'>('typescript');
  const [code, setCode] = useState(EXAMPLES.typescript);
  const [answer, setAnswer] = useState<{ text: string; isError: boolean } | undefined>();
  const [running, setRunning] = useState(false);
  return (
    <section id="playground" aria-labelledby="playground-title">
      <h2 id="playground-title">Playground</h2>
      <p>
        Runs a script in the dashboard's own session, as execute_code would (Python needs Deno and pyodide).
      </p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setRunning(true);
          try {
            setAnswer(await api.run(code, language));
          } catch (e) {
            setAnswer({ text: String(e), isError: true });
          } finally {
            setRunning(false);
          }
        }}
      >
        <label for="language">Language</label>{' '}
        <select
          id="language"
          value={language}
          onChange={(e) => {
            const next = e.currentTarget.value as 'typescript' | 'python';
            // The example follows the language until the person writes their own script.
            if (code === EXAMPLES[language]) setCode(EXAMPLES[next]);
            setLanguage(next);
          }}
        >
          <option value="typescript">TypeScript</option>
          <option value="python">Python</option>
        </select>
        <br />
        <label for="script">Script</label>
        <textarea
          id="script"
          rows={8}
          spellcheck={false}
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <button type="submit" disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
      </form>
      {answer && (
        <section aria-label="Run output" aria-live="polite">
          <pre class={answer.isError ? 'answer bad' : 'answer'}>{answer.text}</pre>
        </section>
      )}
    </section>
  );
}

/**
 * The question of a playground script's call to a tool in `requireApproval`, for the person at
 * the page: the message MCP elicitation would show, and Approve / Decline, in a modal `<dialog>`
 * (the page behind it is inert, focus stays inside). Decline has the focus, and Escape declines.
 */
export function ApprovalDialog({ question, onDone }: { question: ApprovalQuestion; onDone: () => void }) {
  const [error, setError] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);
  const answer = async (approve: boolean) => {
    try {
      const result = await api.approve(question.id, approve);
      if (!result.ok) setError(result.error ?? 'the question is no longer waiting');
      else onDone();
    } catch (e) {
      setError(String(e));
    }
  };
  return (
    <dialog
      ref={dialog}
      class="dialog"
      role="alertdialog"
      aria-labelledby="approval-title"
      aria-describedby="approval-message"
      onCancel={(event) => {
        event.preventDefault();
        void answer(false);
      }}
    >
      <h2 id="approval-title">
        Approve {question.server}.{question.tool}?
      </h2>
      <pre id="approval-message">{question.message}</pre>
      {error && <p role="alert">{error}</p>}
      <div class="row">
        <button type="button" onClick={() => void answer(true)}>
          Approve
        </button>
        <button type="button" class="secondary" autofocus onClick={() => void answer(false)}>
          Decline
        </button>
      </div>
    </dialog>
  );
}
