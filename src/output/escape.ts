/**
 * Makes znode data safe to show on a terminal: control characters (ESC sequences that could move the cursor,
 * retitle the window or hide text) become visible escapes. Newlines and tabs stay when `keepLayout`.
 */
export function escapeControl(text: string, keepLayout = false): string {
  // C0, DEL, C1, and the bidirectional overrides and isolates (U+202E turns the rest of a line around).
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    if (keepLayout && (ch === '\n' || ch === '\t')) return ch;
    switch (ch) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\u001b':
        return '\\e';
      default:
        return ch.charCodeAt(0) > 0xff ? `\\u${ch.charCodeAt(0).toString(16)}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** Data for one line of human output: decoded, escaped, cut to `max` characters. */
export function previewData(data: Buffer, max = 80): string {
  const text = escapeControl(data.toString('utf8'));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `1 child`, `2 children`, `1 node`, `0 nodes`: a count and its noun, in the right number. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
