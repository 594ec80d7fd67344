/** Durations as people read them, in the CLI and in reports alike. */

/**
 * Seconds as a person reads them: `45 s`, `3 min 20 s`, `1 h 05 min`; with
 * `tenths`, short ones keep a decimal (`0.4 s`, `9.9 s`). `—` when not finite.
 */
export function formatDuration(seconds: number, options: { tenths?: boolean } = {}): string {
  if (!Number.isFinite(seconds)) return '—';
  if (options.tenths && seconds < 9.95) return `${Math.max(0, seconds).toFixed(1)} s`;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
