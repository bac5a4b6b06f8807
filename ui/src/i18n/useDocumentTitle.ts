import { useEffect } from 'react';

/** Sets the browser tab's title to "<title> · Loom" while the page is shown (pass a translated title). */
export function useDocumentTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Loom` : 'Loom';
  }, [title]);
}
