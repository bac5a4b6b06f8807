import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ComponentType } from 'react';
import type { LoomData, LoomNode } from '../nodes/configs';
import { moduleFor } from '../nodes/registry';
import type { PanelContext, PanelProps } from '../nodes/shared/panel';
import { Field, NumberInput } from '../nodes/shared/controls';
import { NODE_LOOKS } from '../nodes/shared/looks';
import { api } from '../api/client';
import { useNodeRun } from './context';
import { isRef } from '../workflow/types';
import { fieldAbove, fieldFor } from '../workflow/problems';
import { plainMessage } from '../workflow/messages';
import type { Issue } from '../workflow/types';
import type { ErrorPolicy, NodeType, WorkflowJson } from '../workflow/types';
import { useTranslation } from 'react-i18next';

interface Props {
  workflowId: string;
  node: LoomNode;
  ctx: PanelContext;
  update: (change: (d: LoomData<unknown>) => LoomData<unknown>) => void;
  onDelete: () => void;
  onCopy: () => void;
  beforeDebug: () => Promise<void>;
  definition: () => WorkflowJson;
  /** A field to bring into view and focus (from the problems panel); a new `seq` asks again. */
  focus?: { field: string; seq: number } | null;
}

/** The right-hand panel: title, the type's own panel, error handling and single-node debug. */
export function NodePanel({ workflowId, node, ctx, update, onDelete, onCopy, beforeDebug, definition, focus }: Props) {
  const { t } = useTranslation('editor');
  const panel = useRef<HTMLElement>(null);
  useEffect(() => { if (focus && panel.current) focusField(panel.current, focus.field); }, [focus]);
  // The node's issues that no field of its panel shows (its edges, its id, a field without a control) are
  // listed at the top, so that the panel shows every message the problems panel does.
  const [unshown, setUnshown] = useState<Issue[]>([]);
  useLayoutEffect(() => {
    const paths = [...(panel.current?.querySelectorAll<HTMLElement>('[data-field]') ?? [])].map((f) => f.dataset.field ?? '');
    const next = ctx.issues.filter((i) => !i.field || fieldAbove(i.field, paths) === null);
    setUnshown((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
  });
  const mod = moduleFor(node.type);
  const Panel = mod.Panel as unknown as ComponentType<PanelProps<NodeType>>;
  const data = node.data as LoomData<unknown>;
  const policy = data.on_error ?? { strategy: 'fail' };
  return (
    <aside className="node-panel" data-testid="node-panel" ref={panel}>
      <div className="panel-header">
        <span className="loom-node-icon" style={{ background: NODE_LOOKS[node.type].color }}>{NODE_LOOKS[node.type].icon}</span>
        <input className="title-input" value={data.title} placeholder={node.id} onChange={(e) => update((d) => ({ ...d, title: e.target.value }))} data-testid="node-title" />
        <span className="muted">{node.id}</span>
      </div>
      <div className="row">
        <button type="button" onClick={onCopy} data-testid="copy-node">{t('nodePanel.copy')}</button>
        <button type="button" onClick={onDelete} disabled={!mod.deletable} data-testid="delete-node" title={mod.deletable ? t('nodePanel.deleteNode') : t('nodePanel.cannotDelete')}>{t('common:actions.delete')}</button>
      </div>
      {unshown.length > 0 && (
        <div className="node-problems" data-testid="node-problems">
          {unshown.map((i, k) => <div key={k} className={`field-${i.severity}`}>{plainMessage(i.field, i.message)}</div>)}
        </div>
      )}
      <Panel node={node as never} ctx={ctx} update={update as never} />
      {node.type !== 'start' && node.type !== 'end' && (
        <details className="advanced">
          <summary>{t('nodePanel.advanced')}</summary>
          <Field label={t('nodePanel.onError')} issues={ctx.issues} field="on_error">
            <select value={policy.strategy} data-testid="on-error" onChange={(e) => update((d) => ({ ...d, on_error: e.target.value === 'fail' ? null : { ...policy, strategy: e.target.value as ErrorPolicy['strategy'] } }))}>
              <option value="fail">{t('nodePanel.failRun')}</option>
              <option value="default">{t('nodePanel.defaultOutputs')}</option>
              <option value="branch">{t('nodePanel.errorBranch')}</option>
            </select>
          </Field>
          <Field label={t('nodePanel.retry')} issues={ctx.issues} field="retry">
            <NumberInput value={data.retry?.max_attempts ?? null} min={1} max={10} onChange={(v) => update((d) => ({ ...d, retry: v === null ? null : { max_attempts: v, backoff_ms: d.retry?.backoff_ms ?? 500 } }))} />
          </Field>
          <Field label={t('nodePanel.timeout')} issues={ctx.issues} field="timeout_s">
            <NumberInput value={data.timeout_s ?? null} min={1} max={3600} onChange={(v) => update((d) => ({ ...d, timeout_s: v }))} />
          </Field>
        </details>
      )}
      {node.type !== 'start' && <DebugNode workflowId={workflowId} node={node} beforeDebug={beforeDebug} definition={definition} />}
    </aside>
  );
}

/** Open, scroll to and focus the panel field that edits `field`; the node's title when no field does. */
function focusField(root: HTMLElement, field: string): void {
  const fields = [...root.querySelectorAll<HTMLElement>('[data-field]')];
  const path = fieldFor(field, fields.map((f) => f.dataset.field ?? ''));
  const target = fields.find((f) => f.dataset.field === path) ?? root.querySelector<HTMLElement>('.panel-header');
  if (!target) return;
  for (let d = target.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
  target.scrollIntoView({ block: 'center' });
  target.classList.add('field-focused');
  setTimeout(() => target.classList.remove('field-focused'), 2000);
  // An input's variable picker before its name: what a ref's problem is about.
  (target.querySelector<HTMLElement>('.ref-picker') ?? target.querySelector<HTMLElement>('select, textarea, input, [contenteditable="true"]'))?.focus();
}

/** Run this node alone, with its inputs pre-filled from the last run. */
function DebugNode({ workflowId, node, beforeDebug, definition }: { workflowId: string; node: LoomNode; beforeDebug: () => Promise<void>; definition: () => WorkflowJson }) {
  const { t } = useTranslation('editor');
  const lastRun = useNodeRun(node.id);
  // Literal inputs ({value}) keep their value in a debug run; only the ones that read other nodes are asked for.
  const names = Object.entries(node.data.inputs ?? {}).filter(([, source]) => isRef(source)).map(([name]) => name);
  const prefill = () => JSON.stringify(Object.fromEntries(names.map((n) => [n, lastRun?.inputs?.[n] ?? ''])), null, 2);
  const [text, setText] = useState<string | null>(null);
  const [result, setResult] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await beforeDebug();
      const inputs = JSON.parse(text ?? prefill()) as Record<string, unknown>;
      const res = await api.runNode(workflowId, node.id, inputs, definition());
      setResult(JSON.stringify(res, null, 2));
    } catch (err) {
      setResult(String(err instanceof Error ? err.message : err));
    } finally { setBusy(false); }
  };
  return (
    <details className="debug" data-testid="debug-node">
      <summary>{t('nodePanel.debug')}</summary>
      <textarea rows={4} value={text ?? prefill()} onChange={(e) => setText(e.target.value)} data-testid="debug-inputs" />
      <button type="button" onClick={() => setText(null)}>{t('nodePanel.resetFromLastRun')}</button>
      <button type="button" onClick={run} disabled={busy} data-testid="debug-run">{busy ? t('nodePanel.running') : t('nodePanel.runNode')}</button>
      {result && <pre className="json" data-testid="debug-result">{result}</pre>}
    </details>
  );
}
