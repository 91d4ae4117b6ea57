import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INSTALL_HINT, findInstallation } from '../../src/server/launcher.js';

const scratch = mkdtempSync(join(tmpdir(), 'zk-coord-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake `java` on a PATH of its own. */
function fakeJava(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'java'), '#!/bin/sh\n', { mode: 0o755 });
  return bin;
}

describe('findInstallation', () => {
  it('prefers an unpacked release named by ZOOKEEPER_HOME, with its lib/ jars on the class path', () => {
    const home = join(scratch, 'apache-zookeeper-3.8.4-bin');
    mkdirSync(join(home, 'lib'), { recursive: true });
    for (const jar of ['zookeeper-3.8.4.jar', 'zookeeper-jute-3.8.4.jar', 'netty-handler-4.1.jar']) writeFileSync(join(home, 'lib', jar), '');
    const found = findInstallation({ PATH: fakeJava(), ZOOKEEPER_HOME: home });
    expect(found?.source).toBe(`ZOOKEEPER_HOME=${home}`);
    expect(found?.java).toBe(join(scratch, 'bin', 'java'));
    expect(found?.classpath.split(':')).toContain(join(home, 'lib', 'zookeeper-3.8.4.jar'));
  });

  it('uses JAVA_HOME for Java when set', () => {
    const home = join(scratch, 'zk');
    mkdirSync(join(home, 'lib'), { recursive: true });
    writeFileSync(join(home, 'lib', 'zookeeper-3.8.0.jar'), '');
    const javaHome = dirname(fakeJava());
    expect(findInstallation({ PATH: '', JAVA_HOME: javaHome, ZOOKEEPER_HOME: home })?.java).toBe(join(javaHome, 'bin', 'java'));
  });

  it('finds nothing without Java, and the hint names the install commands', () => {
    expect(findInstallation({ PATH: join(scratch, 'nowhere') })).toBeUndefined();
    expect(INSTALL_HINT).toContain('apt-get install -y zookeeper');
    expect(INSTALL_HINT).toContain('brew install zookeeper');
  });
});
