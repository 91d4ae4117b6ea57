import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Role = 'leader' | 'follower';

/**
 * The role file of `elect --standby` (ZK_COORD_ROLE_FILE): line 1 the role, line 2 a sequence number that
 * increases at every rewrite, line 3 the leader's name (empty when nobody leads). Replaced by rename, so a
 * reader (`head -1 "$ZK_COORD_ROLE_FILE"`) sees the old file or the new one, never half of one.
 */
export class RoleFile {
  readonly path: string;
  private readonly ownDir: string | undefined;
  private writes = 0;

  /** At `path`, or in a private temporary directory of its own (removed with it). */
  constructor(path?: string) {
    if (path) {
      this.path = path;
    } else {
      this.ownDir = mkdtempSync(join(tmpdir(), 'zk-coord-role-'));
      this.path = join(this.ownDir, 'role');
    }
  }

  write(role: Role, sequence: number, leader: string | undefined): void {
    this.writes += 1;
    const temporary = join(dirname(this.path), `.${process.pid}.${this.writes}.role-tmp`);
    // Names are single lines in the file: a newline in a candidate's name must not fake a role line.
    writeFileSync(temporary, `${role}\n${sequence}\n${(leader ?? '').replace(/[\r\n]/g, ' ')}\n`, { mode: 0o644 });
    renameSync(temporary, this.path);
  }

  remove(): void {
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
    else rmSync(this.path, { force: true });
  }
}
