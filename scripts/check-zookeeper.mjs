// `npm test` needs a real ZooKeeper: fail at once, in one line, when there is none.
import { INSTALL_HINT, findInstallation } from '../dist/server/launcher.js';

if (!findInstallation()) {
  console.error(`npm test: ${INSTALL_HINT} (or run scripts/install-zookeeper.sh)`);
  process.exit(1);
}

// The interop tests compare with zkCli.sh (the Debian zookeeper package; libzookeeper-java alone has none).
import { existsSync } from 'node:fs';
const zkCli = process.env.ZOOKEEPER_HOME ? `${process.env.ZOOKEEPER_HOME}/bin/zkCli.sh` : '/usr/share/zookeeper/bin/zkCli.sh';
if (!existsSync(zkCli)) {
  console.error(`npm test: the tests compare with zkCli.sh, not found at ${zkCli}: \`sudo apt-get install -y zookeeper\` (or run scripts/install-zookeeper.sh)`);
  process.exit(1);
}

// The TLS tests make certificates with openssl; the ACL tests use kazoo as an independent client.
import { execFileSync } from 'node:child_process';
import { findOpenssl, OPENSSL_HINT } from '../dist/server/tls-material.js';
if (!findOpenssl()) {
  console.error(`npm test: ${OPENSSL_HINT} (or run scripts/install-zookeeper.sh --test-tools)`);
  process.exit(1);
}
try {
  execFileSync('/usr/bin/python3', ['-c', 'import kazoo'], { stdio: 'ignore' });
} catch {
  console.error('npm test: the ACL tests need python3-kazoo: `sudo apt-get install -y python3-kazoo` (or run scripts/install-zookeeper.sh --test-tools)');
  process.exit(1);
}
// The completion tests run the zsh and fish scripts in those shells.
for (const shell of ['zsh', 'fish']) {
  try {
    execFileSync(shell, ['-c', 'true'], { stdio: 'ignore' });
  } catch {
    console.error(`npm test: the completion tests need ${shell}: \`sudo apt-get install -y ${shell}\` (or run scripts/install-zookeeper.sh --test-tools)`);
    process.exit(1);
  }
}
