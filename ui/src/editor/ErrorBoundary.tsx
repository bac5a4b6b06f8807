import { Component, type ReactNode } from 'react';
import i18n from '../i18n';

/** Keeps a failing panel from blanking the editor; shows what broke instead. */
export class ErrorBoundary extends Component<{ children: ReactNode; label: string }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) { return { error }; }
  render() {
    if (this.state.error) {
      return <div className="field-error" data-testid="panel-crash">{i18n.t('editor:crashed', { label: this.props.label, message: this.state.error.message })}</div>;
    }
    return this.props.children;
  }
}
