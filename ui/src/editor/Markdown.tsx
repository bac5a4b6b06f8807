// A chat reply rendered as Markdown: parsed by marked, sanitised by DOMPurify (no scripts, handlers or
// javascript: links), links opened in a new tab.
import { useMemo } from 'react';
import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** Markdown text as sanitised HTML. */
export function markdownHtml(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  const clean = DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
  return clean.replace(/<a /g, '<a target="_blank" rel="noopener noreferrer" ');
}

export function Markdown({ text, testId }: { text: string; testId?: string }) {
  const html = useMemo(() => markdownHtml(text), [text]);
  return <div className="markdown" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
