/** The dashboard page: servers, tools, live executions, savings, insights, skills, PII audit, playground. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApprovalQuestion, api, type FeedEntry, type Overview, Unauthorized } from './api.js';
import { SavingsChart } from './chart.js';
import { Insights } from './insights.js';
import { ApprovalDialog, Playground, ToolSearch } from './playground.js';
import { CacheRate, Executions, PiiAudit, Servers, Skills } from './views.js';
import './style.css';

/** Executions kept on the page (the gateway keeps as many). */
const KEEP = 200;

function Login({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  return (
    <main class="login">
      <h1>toolscript</h1>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            if ((await api.login(token)).ok) onDone();
            else setError('That is not the gateway token.');
          } catch (e) {
            setError(String(e));
          }
        }}
      >
        <label for="token">Gateway token</label>
        <input id="token" type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
        {error && <p role="alert">{error}</p>}
      </form>
      <p>The gateway was started with --token; it is asked once, and kept in a cookie for this site.</p>
    </main>
  );
}

function Dashboard({ overview }: { overview: Overview }) {
  const [executions, setExecutions] = useState<FeedEntry[]>(overview.executions);
  const [questions, setQuestions] = useState<ApprovalQuestion[]>([]);
  useEffect(() => {
    const events = new EventSource('/ui/api/events');
    const data = <T,>(event: Event) => JSON.parse((event as MessageEvent<string>).data) as T;
    events.addEventListener('execution', (event) => {
      const entry = data<FeedEntry>(event);
      setExecutions((list) => [entry, ...list.filter((e) => e.id !== entry.id)].slice(0, KEEP));
    });
    events.addEventListener('approval', (event) => {
      const question = data<ApprovalQuestion>(event);
      setQuestions((list) => [...list.filter((q) => q.id !== question.id), question]);
    });
    events.addEventListener('approval-closed', (event) => {
      const { id } = data<{ id: string }>(event);
      setQuestions((list) => list.filter((q) => q.id !== id));
    });
    return () => events.close();
  }, []);
  const question = questions[0];
  return (
    <>
      <header>
        <h1>toolscript</h1>
        <nav aria-label="Sections">
          {['servers', 'tools', 'executions', 'savings', 'insights', 'skills', 'pii', 'playground'].map(
            (id) => (
              <a href={`#${id}`} key={id}>
                {id === 'pii' ? 'PII audit' : id[0]?.toUpperCase() + id.slice(1)}
              </a>
            ),
          )}
        </nav>
      </header>
      <main>
        <Servers servers={overview.servers} />
        <ToolSearch />
        <Executions executions={executions} />
        <section id="savings" aria-labelledby="savings-title">
          <h2 id="savings-title">Token savings over time</h2>
          <SavingsChart executions={executions} />
          <CacheRate executions={executions} />
        </section>
        <Insights />
        <Skills skills={overview.skills} />
        <PiiAudit rows={overview.pii} />
        <Playground />
      </main>
      {question && (
        <ApprovalDialog
          key={question.id}
          question={question}
          onDone={() => setQuestions((list) => list.filter((q) => q.id !== question.id))}
        />
      )}
    </>
  );
}

function App() {
  const [state, setState] = useState<{ overview?: Overview; login?: boolean; error?: string }>({});
  const load = async () => {
    try {
      if (!(await api.session()).signedIn) return setState({ login: true });
      setState({ overview: await api.overview() });
    } catch (error) {
      setState(error instanceof Unauthorized ? { login: true } : { error: String(error) });
    }
  };
  useEffect(() => {
    void load();
  }, []);
  if (state.login) return <Login onDone={() => void load()} />;
  if (state.error) return <p role="alert">The gateway did not answer: {state.error}</p>;
  if (!state.overview) return <p aria-busy="true">Loading…</p>;
  return <Dashboard overview={state.overview} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
