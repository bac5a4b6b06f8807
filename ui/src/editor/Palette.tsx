import type { DragEvent } from 'react';
import { NODE_TYPES, type NodeType } from '../workflow/types';
import { NODE_LOOKS } from '../nodes/shared/looks';
import { useTranslation } from 'react-i18next';

export const DRAG_MIME = 'application/x-loom-node';

/** Node types to drag onto the canvas; validation reports a second start. */
export function Palette({ onAdd }: { onAdd: (type: NodeType) => void }) {
  const { t } = useTranslation('nodes');
  const start = (e: DragEvent, type: NodeType) => {
    e.dataTransfer.setData(DRAG_MIME, type);
    e.dataTransfer.effectAllowed = 'move';
  };
  return (
    <aside className="palette" data-testid="palette">
      <div className="section-title">{t('palette.title')}</div>
      {NODE_TYPES.map((type) => (
        <div key={type} className="palette-item" draggable onDragStart={(e) => start(e, type)} onDoubleClick={() => onAdd(type)}
          data-testid={`palette-${type}`} title={t('palette.dragHint', { hint: t(`types.${type}.hint`) })}>
          <span className="loom-node-icon" style={{ background: NODE_LOOKS[type].color }}>{NODE_LOOKS[type].icon}</span>
          {t(`types.${type}.title`)}
        </div>
      ))}
    </aside>
  );
}
