/**
 * Znode path rules, as the server enforces them (PathUtils.validatePath). node-zookeeper-client checks only a
 * subset (its `// TODO filter out special characters`), so we check before sending.
 * Returns a reason the path is invalid, or undefined when it is valid.
 */
export function validatePath(path: string): string | undefined {
  if (path.length === 0) return 'path is empty';
  if (!path.startsWith('/')) return 'path must start with /';
  if (path.length === 1) return undefined;
  if (path.endsWith('/')) return 'path must not end with /';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'empty segment (//)';
    if (segment === '.' || segment === '..') return `relative segment "${segment}"`;
  }
  for (const ch of path) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0) return 'null character';
    if ((c > 0 && c < 0x20) || (c >= 0x7f && c <= 0x9f)) return 'control character';
    if ((c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) return 'reserved character';
  }
  return undefined;
}

/** Joins a parent and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** The parent of a path (`/` for a top-level node). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
