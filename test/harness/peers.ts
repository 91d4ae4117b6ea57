import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const JAVA_DIR = '/usr/share/java';
/** Debian's Curator 5.4 and what it needs on the classpath (libcurator-recipes-java, libcurator-discovery-java). */
const JARS = [
  'curator-client',
  'curator-framework',
  'curator-recipes',
  'curator-x-discovery',
  'zookeeper',
  'zookeeper-jute',
  'jackson-core',
  'jackson-databind',
  'jackson-annotations',
  'guava',
  'slf4j-api',
  'slf4j-nop',
].map((name) => `${JAVA_DIR}/${name}.jar`);

const CURATOR_SOURCE = fileURLToPath(new URL('../fixtures/java/CuratorPeer.java', import.meta.url));
const KAZOO_SOURCE = fileURLToPath(new URL('../fixtures/kazoo_peer.py', import.meta.url));

export function curatorAvailable(): boolean {
  return JARS.every((jar) => existsSync(jar));
}

/**
 * Clients of a real library in one process, driven by lines on stdin, answering with lines on stdout:
 * test/fixtures/java/CuratorPeer.java (one JVM, single-file source launch, several Curator clients as
 * threads) or test/fixtures/kazoo_peer.py (several kazoo clients as threads).
 */
export class LinePeer {
  private readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  private readonly stderr: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number>;

  constructor(
    private readonly label: string,
    command: string,
    args: readonly string[],
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? 1)));
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** The first line (seen so far or later) matching `pattern`; rejects after `timeoutMs` (JVM start counts). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      const error = this.lines.find((l) => l.startsWith('error'));
      if (error) throw new Error(`${this.label}: ${error}\n${this.stderr.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no line matching ${pattern} in ${timeoutMs} ms; got:\n${this.lines.join('\n')}\n${this.stderr.join('')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async ready(): Promise<void> {
    await this.waitFor(/^ready$/, 60_000);
  }

  async quit(): Promise<void> {
    if (this.child.exitCode === null) {
      this.send('quit');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/** Curator 5.4 clients in one JVM. */
export function curatorPeer(server: string): LinePeer {
  return new LinePeer('Curator', 'java', ['-cp', JARS.join(':'), CURATOR_SOURCE, server]);
}

/** kazoo clients in one Python process. */
export function kazooPeer(server: string): LinePeer {
  return new LinePeer('kazoo', '/usr/bin/python3', ['-u', KAZOO_SOURCE, server]);
}
