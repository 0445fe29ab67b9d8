/** True while a process with this pid exists (one owned by another user counts as alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits up to 2 s (polling every 50 ms) for a process to exit, then SIGKILLs it. */
export async function ensureExited(pid: number): Promise<void> {
  for (let waited = 0; waited < 2000 && processAlive(pid); waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (processAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
