/** Durations as every option, message and JSON field spells them, so what is printed can be passed back. */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
];

/** `500ms`, `1.5s`, `5s`, `2m`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  if (ms % 1000 === 0 || ms >= 10_000) return `${Math.round(ms / 100) / 10}s`;
  if (ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
}
