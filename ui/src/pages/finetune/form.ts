// Pure helpers of the new-job form: hyperparameter text fields to the params a job is created with.
import type { ParamsInfo } from './api';

/** The params that differ from blank: numbers parsed, target_modules split on commas; bad numbers named. */
export function paramsFromForm(values: Record<string, string>, info: ParamsInfo): { params: Record<string, unknown>; errors: string[] } {
  const params: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [key, raw] of Object.entries(values)) {
    const text = raw.trim();
    if (!text || !(key in info.defaults)) continue;
    if (key === 'target_modules') {
      params[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) { errors.push(`${key}: '${text}' is not a number`); continue; }
    params[key] = value;
  }
  return { params, errors };
}

/** What a field shows when left blank: its default, or what the runner picks. */
export function placeholder(key: string, info: ParamsInfo): string {
  const value = info.defaults[key];
  if (value === null || value === undefined) return key === 'epochs' ? 'auto (by dataset size)' : key === 'target_modules' ? 'all linear layers' : 'auto';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Seconds as "1 h 2 min", "3 min 4 s" or "5 s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}
