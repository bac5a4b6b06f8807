import type { ProgressPoint } from './api';
import { scale, series } from './chart';

const BOX = { width: 560, height: 220, pad: 36 };

/** Train and validation loss over steps, as an SVG drawn from the job's progress points. */
export default function LossChart({ points }: { points: readonly ProgressPoint[] }) {
  const s = series(points);
  const out = scale(s, BOX);
  return (
    <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} width={BOX.width} height={BOX.height} className="loss-chart"
      data-testid="loss-chart" data-train-points={s.train.length} data-eval-points={s.eval.length} role="img"
      aria-label={`loss over ${s.train.length} training steps`}>
      <rect x={BOX.pad} y={BOX.pad} width={BOX.width - 2 * BOX.pad} height={BOX.height - 2 * BOX.pad} fill="none" stroke="#ddd" />
      {out.yTicks.map((t) => (
        <g key={`y${t.y}`}>
          <line x1={BOX.pad} x2={BOX.width - BOX.pad} y1={t.y} y2={t.y} stroke="#f0f0f0" />
          <text x={BOX.pad - 4} y={t.y + 4} fontSize="10" textAnchor="end" fill="#666">{t.label}</text>
        </g>
      ))}
      {out.xTicks.map((t) => (
        <text key={`x${t.x}`} x={t.x} y={BOX.height - BOX.pad + 14} fontSize="10" textAnchor="middle" fill="#666">{t.label}</text>
      ))}
      <text x={BOX.width / 2} y={BOX.height - 4} fontSize="10" textAnchor="middle" fill="#666">step</text>
      {out.train && <path d={out.train} fill="none" stroke="#2f6fde" strokeWidth={1.5} data-testid="train-curve" />}
      {out.eval && <path d={out.eval} fill="none" stroke="#e07a1f" strokeWidth={2} strokeDasharray="5 3" data-testid="eval-curve" />}
      <g fontSize="11">
        <line x1={BOX.width - 170} x2={BOX.width - 150} y1={14} y2={14} stroke="#2f6fde" strokeWidth={1.5} />
        <text x={BOX.width - 146} y={18}>train</text>
        <line x1={BOX.width - 100} x2={BOX.width - 80} y1={14} y2={14} stroke="#e07a1f" strokeWidth={2} strokeDasharray="5 3" />
        <text x={BOX.width - 76} y={18}>validation</text>
      </g>
      {!s.train.length && !s.eval.length && (
        <text x={BOX.width / 2} y={BOX.height / 2} textAnchor="middle" fill="#999" fontSize="12">no steps logged yet</text>
      )}
    </svg>
  );
}
