import { DATA } from './servers.js';

/** Calls one tool directly (as a direct-calling agent would) and returns its unwrapped value. */
export type DirectCall = (server: string, tool: string, args: Record<string, unknown>) => Promise<unknown>;

/** One benchmark task, done both ways. */
export interface Workflow {
  name: string;
  /** What the task asks for. */
  task: string;
  /** Servers it needs (keys of `prepareServers`). */
  servers: string[];
  /** Data-heavy tasks count toward the median reduction target; small ones show where code mode may lose. */
  dataHeavy: boolean;
  /** Empties state the task writes (e.g. the memory graph) before each way is run. */
  resetMemory?: boolean;
  /** The `search_tools` calls an agent makes before writing its script. */
  discovery: Record<string, unknown>[];
  /** The script an agent sends to `execute_code`. */
  script: string;
  /** The same task as a direct-calling agent does it: one call at a time; returns the answer. */
  direct: (call: DirectCall) => Promise<unknown>;
}

const text = (value: unknown) => (value as { content: string }).content;
const files = (listing: string, dir: string) =>
  listing
    .split('\n')
    .filter((l) => l.startsWith('[FILE]') && l.endsWith('.txt'))
    .map((l) => `${dir}/${l.slice(7)}`)
    .sort();
const senderOf = (mail: string) => mail.match(/^From: .*?([\w.+-]+@[\w.-]+)/m)?.[1]?.toLowerCase();
const subjectOf = (mail: string) => mail.match(/^Subject: (.*)$/m)?.[1]?.trim() ?? '';
const topN = (counts: Map<string, number>, n: number) =>
  [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
const p90 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(0.9 * (sorted.length - 1))] ?? 0;
};

/** Shared helper source for scripts: the same parsing the direct trajectories use. */
const HELPERS = `
const files = (listing, dir) => listing.split('\\n').filter((l) => l.startsWith('[FILE]') && l.endsWith('.txt')).map((l) => dir + '/' + l.slice(7)).sort();
const senderOf = (mail) => mail.match(/^From: .*?([\\w.+-]+@[\\w.-]+)/m)?.[1]?.toLowerCase();
const subjectOf = (mail) => mail.match(/^Subject: (.*)$/m)?.[1]?.trim() ?? '';
const topN = (counts, n) => [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
const p90 = (values) => { const s = [...values].sort((a, b) => a - b); return s[Math.floor(0.9 * (s.length - 1))] ?? 0; };
`;

const MAIL_BATCH = 100;

export const WORKFLOWS: Workflow[] = [
  {
    name: 'mail-top-senders',
    task: 'Read 2,500 mails and report the top 10 senders',
    servers: ['mail'],
    dataHeavy: true,
    discovery: [
      { query: 'list directory and read many files', limit: 5 },
      { names: ['mail.listDirectory', 'mail.readMultipleFiles'] },
    ],
    script: `import * as mail from './servers/mail';${HELPERS}
const dir = ${JSON.stringify(DATA.mail)};
const paths = files((await mail.listDirectory({ path: dir })).content, dir);
const counts = new Map();
for (let i = 0; i < paths.length; i += ${MAIL_BATCH}) {
  const { content } = await mail.readMultipleFiles({ paths: paths.slice(i, i + ${MAIL_BATCH}) });
  for (const message of content.split('\\n---\\n')) {
    const from = senderOf(message);
    if (from) counts.set(from, (counts.get(from) ?? 0) + 1);
  }
}
export default topN(counts, 10);`,
    direct: async (call) => {
      const paths = files(text(await call('mail', 'list_directory', { path: DATA.mail })), DATA.mail);
      const counts = new Map<string, number>();
      for (let i = 0; i < paths.length; i += MAIL_BATCH) {
        const content = text(
          await call('mail', 'read_multiple_files', { paths: paths.slice(i, i + MAIL_BATCH) }),
        );
        for (const message of content.split('\n---\n')) {
          const from = senderOf(message);
          if (from) counts.set(from, (counts.get(from) ?? 0) + 1);
        }
      }
      return topN(counts, 10);
    },
  },
  {
    name: 'spam-subject-words',
    task: 'Read 500 spam mails and report the 10 commonest subject words',
    servers: ['mail'],
    dataHeavy: true,
    discovery: [
      { query: 'read multiple files', limit: 5 },
      { names: ['mail.listDirectory', 'mail.readMultipleFiles'] },
    ],
    script: `import { listDirectory, readMultipleFiles } from './servers/mail';${HELPERS}
const dir = ${JSON.stringify(DATA.spam)};
const paths = files((await listDirectory({ path: dir })).content, dir);
const words = new Map();
for (let i = 0; i < paths.length; i += ${MAIL_BATCH}) {
  const { content } = await readMultipleFiles({ paths: paths.slice(i, i + ${MAIL_BATCH}) });
  for (const message of content.split('\\n---\\n')) {
    for (const word of subjectOf(message).toLowerCase().match(/[a-z]{4,}/g) ?? []) words.set(word, (words.get(word) ?? 0) + 1);
  }
}
return topN(words, 10);`,
    direct: async (call) => {
      const paths = files(text(await call('mail', 'list_directory', { path: DATA.spam })), DATA.spam);
      const words = new Map<string, number>();
      for (let i = 0; i < paths.length; i += MAIL_BATCH) {
        const content = text(
          await call('mail', 'read_multiple_files', { paths: paths.slice(i, i + MAIL_BATCH) }),
        );
        for (const message of content.split('\n---\n')) {
          for (const word of subjectOf(message)
            .toLowerCase()
            .match(/[a-z]{4,}/g) ?? [])
            words.set(word, (words.get(word) ?? 0) + 1);
        }
      }
      return topN(words, 10);
    },
  },
  {
    name: 'movie-graph',
    task: 'Build a graph of 1,870 movies and 550 directors, then find the 5 directors with most movies',
    servers: ['files', 'memory'],
    dataHeavy: true,
    resetMemory: true,
    discovery: [
      { query: 'create entities and relations in knowledge graph', limit: 5 },
      {
        names: ['files.readTextFile', 'memory.createEntities', 'memory.createRelations', 'memory.readGraph'],
      },
    ],
    script: `import { readTextFile } from './servers/files';
import * as memory from './servers/memory';
const movies = JSON.parse((await readTextFile({ path: ${JSON.stringify(DATA.movies)} })).content).filter((m) => m.Director);
const directors = [...new Set(movies.map((m) => m.Director))];
const entities = [
  ...movies.map((m) => ({ name: String(m.Title), entityType: 'movie', observations: ['IMDB ' + m['IMDB Rating']] })),
  ...directors.map((d) => ({ name: d, entityType: 'director', observations: [] })),
];
for (let i = 0; i < entities.length; i += 500) await memory.createEntities({ entities: entities.slice(i, i + 500) });
const relations = movies.map((m) => ({ from: m.Director, to: String(m.Title), relationType: 'directed' }));
for (let i = 0; i < relations.length; i += 500) await memory.createRelations({ relations: relations.slice(i, i + 500) });
const graph = await memory.readGraph();
const counts = new Map();
for (const r of graph.relations) if (r.relationType === 'directed') counts.set(r.from, (counts.get(r.from) ?? 0) + 1);
export default [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);`,
    direct: async (call) => {
      const raw = text(await call('files', 'read_text_file', { path: DATA.movies }));
      const movies = (
        JSON.parse(raw) as { Title: string; Director: string | null; 'IMDB Rating': number | null }[]
      ).filter((m) => m.Director);
      const directors = [...new Set(movies.map((m) => m.Director as string))];
      const entities = [
        ...movies.map((m) => ({
          name: String(m.Title),
          entityType: 'movie',
          observations: [`IMDB ${m['IMDB Rating']}`],
        })),
        ...directors.map((d) => ({ name: d, entityType: 'director', observations: [] })),
      ];
      for (let i = 0; i < entities.length; i += 500)
        await call('memory', 'create_entities', { entities: entities.slice(i, i + 500) });
      const relations = movies.map((m) => ({
        from: m.Director,
        to: String(m.Title),
        relationType: 'directed',
      }));
      for (let i = 0; i < relations.length; i += 500)
        await call('memory', 'create_relations', { relations: relations.slice(i, i + 500) });
      const graph = (await call('memory', 'read_graph', {})) as {
        relations: { from: string; relationType: string }[];
      };
      const counts = new Map<string, number>();
      for (const r of graph.relations)
        if (r.relationType === 'directed') counts.set(r.from, (counts.get(r.from) ?? 0) + 1);
      return topN(counts, 5);
    },
  },
  {
    name: 'flight-delay-p90',
    task: '200,000 flights in SQLite: 90th-percentile delay per hour, then count long delays in the worst hours',
    servers: ['sqlite'],
    dataHeavy: true,
    discovery: [
      { query: 'run a SQL select query', limit: 5 },
      { names: ['sqlite.readQuery', 'sqlite.describeTable'] },
    ],
    script: `import { readQuery } from './servers/sqlite';${HELPERS}
const rows = await readQuery({ query: 'SELECT CAST(hour AS INTEGER) AS h, delay FROM flights' });
const byHour = new Map();
for (const r of rows) { const list = byHour.get(r.h) ?? []; list.push(r.delay); byHour.set(r.h, list); }
const worst = [...byHour].map(([h, d]) => [h, p90(d)]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
const hours = worst.map(([h]) => h).join(',');
const long = await readQuery({ query: 'SELECT CAST(hour AS INTEGER) AS h, COUNT(*) AS n FROM flights WHERE delay > 120 AND CAST(hour AS INTEGER) IN (' + hours + ') GROUP BY h ORDER BY h' });
export default { worstHoursP90: worst, longDelays: long };`,
    direct: async (call) => {
      const rows = (await call('sqlite', 'read_query', {
        query: 'SELECT CAST(hour AS INTEGER) AS h, delay FROM flights',
      })) as { h: number; delay: number }[];
      const byHour = new Map<number, number[]>();
      for (const r of rows) {
        const list = byHour.get(r.h) ?? [];
        list.push(r.delay);
        byHour.set(r.h, list);
      }
      const worst = [...byHour]
        .map(([h, d]) => [h, p90(d)] as [number, number])
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, 3);
      const hours = worst.map(([h]) => h).join(',');
      const long = await call('sqlite', 'read_query', {
        query: `SELECT CAST(hour AS INTEGER) AS h, COUNT(*) AS n FROM flights WHERE delay > 120 AND CAST(hour AS INTEGER) IN (${hours}) GROUP BY h ORDER BY h`,
      });
      return { worstHoursP90: worst, longDelays: long };
    },
  },
  {
    name: 'git-who-changed-what',
    task: "This repository's history: files changed most often, and by whom",
    servers: ['git'],
    dataHeavy: true,
    discovery: [
      { query: 'commit history and show a commit', limit: 5 },
      { names: ['git.gitLog', 'git.gitShow'] },
    ],
    script: `import { gitLog, gitShow } from './servers/git';
const path = ${JSON.stringify(DATA.examples.replace(/\/examples\/data$/, ''))};
const log = await gitLog({ path, maxCount: 1000 });
const changes = new Map();
const authors = new Map();
for (const commit of log.commits) {
  authors.set(commit.author, (authors.get(commit.author) ?? 0) + 1);
  const shown = await gitShow({ path, object: commit.hash });
  for (const file of JSON.stringify(shown).match(/diff --git a\\/(\\S+)/g) ?? []) {
    const name = file.slice(13);
    changes.set(name, (changes.get(name) ?? 0) + 1);
  }
}
export default { commits: log.commits.length, authors: [...authors], topFiles: [...changes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10) };`,
    direct: async (call) => {
      const path = DATA.examples.replace(/\/examples\/data$/, '');
      const log = (await call('git', 'git_log', { path, maxCount: 1000 })) as {
        commits: { hash: string; author: string }[];
      };
      const changes = new Map<string, number>();
      const authors = new Map<string, number>();
      for (const commit of log.commits) {
        authors.set(commit.author, (authors.get(commit.author) ?? 0) + 1);
        const shown = await call('git', 'git_show', { path, object: commit.hash });
        for (const file of JSON.stringify(shown).match(/diff --git a\/(\S+)/g) ?? []) {
          const name = file.slice(13);
          changes.set(name, (changes.get(name) ?? 0) + 1);
        }
      }
      return { commits: log.commits.length, authors: [...authors], topFiles: topN(changes, 10) };
    },
  },
  {
    name: 'weather-to-graph',
    task: 'Cross-server: read 1,461 days of weather, summarise per month, store 48 months in the memory graph',
    servers: ['files', 'memory'],
    dataHeavy: true,
    resetMemory: true,
    discovery: [
      { query: 'read a file and create entities', limit: 5 },
      { names: ['files.readTextFile', 'memory.createEntities'] },
    ],
    script: `import { readTextFile } from './servers/files';
import { createEntities } from './servers/memory';
const { content } = await readTextFile({ path: ${JSON.stringify(`${DATA.examples}/seattle-weather.csv`)} });
const months = new Map();
for (const line of content.trim().split('\\n').slice(1)) {
  const [date, precipitation, tempMax] = line.split(',');
  const m = months.get(date.slice(0, 7)) ?? { rain: 0, hottest: -99 };
  m.rain += Number(precipitation);
  m.hottest = Math.max(m.hottest, Number(tempMax));
  months.set(date.slice(0, 7), m);
}
await createEntities({ entities: [...months].map(([month, m]) => ({ name: 'weather ' + month, entityType: 'month', observations: ['rain ' + m.rain.toFixed(1) + ' mm', 'hottest ' + m.hottest + ' C'] })) });
const wettest = [...months].sort((a, b) => b[1].rain - a[1].rain)[0];
export default { months: months.size, wettest: [wettest[0], Number(wettest[1].rain.toFixed(1))] };`,
    direct: async (call) => {
      const content = text(
        await call('files', 'read_text_file', { path: `${DATA.examples}/seattle-weather.csv` }),
      );
      const months = new Map<string, { rain: number; hottest: number }>();
      for (const line of content.trim().split('\n').slice(1)) {
        const [date = '', precipitation, tempMax] = line.split(',');
        const m = months.get(date.slice(0, 7)) ?? { rain: 0, hottest: -99 };
        m.rain += Number(precipitation);
        m.hottest = Math.max(m.hottest, Number(tempMax));
        months.set(date.slice(0, 7), m);
      }
      await call('memory', 'create_entities', {
        entities: [...months].map(([month, m]) => ({
          name: `weather ${month}`,
          entityType: 'month',
          observations: [`rain ${m.rain.toFixed(1)} mm`, `hottest ${m.hottest} C`],
        })),
      });
      const wettest = [...months].sort((a, b) => b[1].rain - a[1].rain)[0] as [string, { rain: number }];
      return { months: months.size, wettest: [wettest[0], Number(wettest[1].rain.toFixed(1))] };
    },
  },
  {
    name: 'small-sum',
    task: 'Small: add two numbers (one call, tiny result)',
    servers: ['everything'],
    dataHeavy: false,
    discovery: [{ query: 'add two numbers', limit: 3 }],
    script: `import { getSum } from './servers/everything';
export default await getSum({ a: 2, b: 3 });`,
    direct: async (call) => call('everything', 'get-sum', { a: 2, b: 3 }),
  },
  {
    name: 'small-file-info',
    task: 'Small: size and date of one file (two calls, tiny results)',
    servers: ['files'],
    dataHeavy: false,
    discovery: [{ query: 'file size and modification time', limit: 3 }],
    script: `import { getFileInfo } from './servers/files';
const info = await getFileInfo({ path: ${JSON.stringify(`${DATA.examples}/README.md`)} });
const again = await getFileInfo({ path: ${JSON.stringify(`${DATA.examples}/us-state-capitals.json`)} });
export default [info.content.match(/size: (\\d+)/)?.[1], again.content.match(/size: (\\d+)/)?.[1]];`,
    direct: async (call) => {
      const info = text(await call('files', 'get_file_info', { path: `${DATA.examples}/README.md` }));
      const again = text(
        await call('files', 'get_file_info', { path: `${DATA.examples}/us-state-capitals.json` }),
      );
      return [info.match(/size: (\d+)/)?.[1], again.match(/size: (\d+)/)?.[1]];
    },
  },
];

export { p90 };
