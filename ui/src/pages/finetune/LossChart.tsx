import type { ProgressPoint } from './api';
import { scale, series } from './chart';
import { useTranslation } from 'react-i18next';

const BOX = { width: 560, height: 220, pad: 36 };

/** Train and validation loss over steps, as an SVG drawn from the job's progress points. */
export default function LossChart({ points }: { points: readonly ProgressPoint[] }) {
  const { t } = useTranslation('finetune');
  const s = series(points);
  const out = scale(s, BOX);
  return (
    <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} width={BOX.width} height={BOX.height} className="loss-chart"
      data-testid="loss-chart" data-train-points={s.train.length} data-eval-points={s.eval.length} role="img"
      aria-label={t('chart.label', { count: s.train.length })}>
      <rect x={BOX.pad} y={BOX.pad} width={BOX.width - 2 * BOX.pad} height={BOX.height - 2 * BOX.pad} fill="none" stroke="#ddd" />
      {out.yTicks.map((tick) => (
        <g key={`y${tick.y}`}>
          <line x1={BOX.pad} x2={BOX.width - BOX.pad} y1={tick.y} y2={tick.y} stroke="#f0f0f0" />
          <text x={BOX.pad - 4} y={tick.y + 4} fontSize="10" textAnchor="end" fill="#666">{tick.label}</text>
        </g>
      ))}
      {out.xTicks.map((tick) => (
        <text key={`x${tick.x}`} x={tick.x} y={BOX.height - BOX.pad + 14} fontSize="10" textAnchor="middle" fill="#666">{tick.label}</text>
      ))}
      <text x={BOX.width / 2} y={BOX.height - 4} fontSize="10" textAnchor="middle" fill="#666">{t('chart.step')}</text>
      {out.train && <path d={out.train} fill="none" stroke="#2f6fde" strokeWidth={1.5} data-testid="train-curve" />}
      {out.eval && <path d={out.eval} fill="none" stroke="#e07a1f" strokeWidth={2} strokeDasharray="5 3" data-testid="eval-curve" />}
      <g fontSize="11">
        <line x1={BOX.width - 170} x2={BOX.width - 150} y1={14} y2={14} stroke="#2f6fde" strokeWidth={1.5} />
        <text x={BOX.width - 146} y={18}>{t('chart.train')}</text>
        <line x1={BOX.width - 100} x2={BOX.width - 80} y1={14} y2={14} stroke="#e07a1f" strokeWidth={2} strokeDasharray="5 3" />
        <text x={BOX.width - 76} y={18}>{t('chart.validation')}</text>
      </g>
      {!s.train.length && !s.eval.length && (
        <text x={BOX.width / 2} y={BOX.height / 2} textAnchor="middle" fill="#999" fontSize="12">{t('chart.empty')}</text>
      )}
    </svg>
  );
}
