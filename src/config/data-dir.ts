import { resolve } from 'node:path';
import envPaths from 'env-paths';

/**
 * The data folder used when a config has no `dataDir`: `TOOLSCRIPT_DATA_DIR` when set, else the
 * user's data folder by platform convention (env-paths: `$XDG_DATA_HOME/toolscript` or
 * `~/.local/share/toolscript` on Linux, `~/Library/Application Support/toolscript` on macOS,
 * `%LOCALAPPDATA%\toolscript\Data` on Windows). Never the working directory, which is `/` for
 * clients that start stdio servers from there. Nothing is created here: features that write
 * (workspaces, skills, the audit log) create what they need.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOOLSCRIPT_DATA_DIR) return resolve(env.TOOLSCRIPT_DATA_DIR);
  return envPaths('toolscript', { suffix: '' }).data;
}
