/** Median of a list of numbers (mean of the middle two for even lengths). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (0-100) by linear interpolation between closest ranks. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low);
}
