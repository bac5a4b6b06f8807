// Pure helpers of the loss chart: points merged by step, series scaled into an SVG box.
import type { ProgressPoint } from './api';

export interface Box { width: number; height: number; pad: number }
export interface Series { train: [number, number][]; eval: [number, number][] }
export interface Scaled { train: string; eval: string; xTicks: { x: number; label: string }[]; yTicks: { y: number; label: string }[] }

/** Adds points to a list, keeping step order; a point equal to one already there (same step, same losses) is skipped. */
export function mergePoints(list: readonly ProgressPoint[], more: readonly ProgressPoint[]): ProgressPoint[] {
  const key = (p: ProgressPoint) => `${p.step}:${p.train_loss ?? ''}:${p.eval_loss ?? ''}`;
  const seen = new Set(list.map(key));
  const out = [...list];
  for (const p of more) if (!seen.has(key(p))) { seen.add(key(p)); out.push(p); }
  return out.sort((a, b) => a.step - b.step);
}

/** Train and validation losses as (step, loss) pairs; points without a finite loss are left out. */
export function series(points: readonly ProgressPoint[]): Series {
  const pick = (f: (p: ProgressPoint) => number | null) => points
    .filter((p) => Number.isFinite(f(p) ?? NaN)).map((p) => [p.step, f(p) as number] as [number, number]);
  return { train: pick((p) => p.train_loss), eval: pick((p) => p.eval_loss) };
}

function ticks(lo: number, hi: number, count: number): number[] {
  if (hi === lo) return [lo];
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

/** SVG path data for both series in `box`, on shared axes (steps from 0; losses from their min to max). */
export function scale(s: Series, box: Box): Scaled {
  const all = [...s.train, ...s.eval];
  const maxStep = Math.max(1, ...all.map(([x]) => x));
  const losses = all.map(([, y]) => y);
  let lo = losses.length ? Math.min(...losses) : 0;
  let hi = losses.length ? Math.max(...losses) : 1;
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const w = box.width - 2 * box.pad;
  const h = box.height - 2 * box.pad;
  const x = (step: number) => box.pad + (step / maxStep) * w;
  const y = (loss: number) => box.pad + (1 - (loss - lo) / (hi - lo)) * h;
  const path = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
  return {
    train: path(s.train), eval: path(s.eval),
    xTicks: ticks(0, maxStep, 5).map((v) => ({ x: x(v), label: String(Math.round(v)) })),
    yTicks: ticks(lo, hi, 4).map((v) => ({ y: y(v), label: fmt(v) })),
  };
}
