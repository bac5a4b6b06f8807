// Dates and numbers in the console's language (Intl), for text outside translation strings.
import i18n from './index';

const locale = () => i18n.resolvedLanguage ?? i18n.language ?? 'en';

/** A date and time from a Unix timestamp in seconds (the API's unit); '—' when absent. */
export function formatDateTime(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(seconds * 1000));
}

/** A time of day from a Unix timestamp in seconds. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  return new Intl.DateTimeFormat(locale(), { timeStyle: 'medium' }).format(new Date(seconds * 1000));
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale(), options).format(value);
}
