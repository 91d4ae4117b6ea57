/**
 * Makes znode data safe to show on a terminal: control characters (ESC sequences that could move the cursor,
 * retitle the window or hide text) become visible escapes. Newlines and tabs stay when `keepLayout`.
 */
export function escapeControl(text: string, keepLayout = false): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
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
        return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

/** Data for one line of human output: decoded, escaped, cut to `max` characters. */
export function previewData(data: Buffer, max = 80): string {
  const text = escapeControl(data.toString('utf8'));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
