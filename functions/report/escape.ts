import { cleanText } from '../lib/text';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The one escape of the HTML report: every text, in an element or an attribute, passes through it. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] as string);
}

/** Text from a record, bounded and stripped of control characters, then escaped. */
export function text(value: unknown, max = 512): string {
  return escapeHtml(cleanText(value, max));
}

/**
 * A count from a document as the page shows it: a finite number as its digits, anything else (a string or an object
 * in a summary.json edited or written by other code) as escaped text, never markup.
 */
export function numberText(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value, 32);
}
