import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Every file under `root` by path relative to it (with `/` separators), as bytes; an absent
 * folder is empty. Temporary files of atomic writes (`.<name>.<hex>.tmp`) are left out.
 */
export async function readFolder(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || /^\..*\.[0-9a-f]{12}\.tmp$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path).split(sep).join('/'), await readFile(path));
  }
  return files;
}

/**
 * Makes `root` hold exactly `files` (as {@link readFolder} returns them), writing only what
 * differs: files not in `files` are removed, others written when their bytes changed. Files
 * `keep` accepts are left as they are (neither removed nor written); paths that would leave
 * `root` are skipped.
 */
export async function syncFolder(
  root: string,
  files: Map<string, Buffer>,
  keep: (path: string) => boolean = () => false,
): Promise<void> {
  const local = await readFolder(root);
  for (const path of local.keys())
    if (!files.has(path) && !keep(path)) await rm(join(root, path), { force: true });
  for (const [path, data] of files) {
    const target = join(root, path);
    if (keep(path) || relative(root, target).startsWith('..')) continue;
    if (local.get(path)?.equals(data)) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
}
