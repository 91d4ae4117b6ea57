// `npm test` needs a real ZooKeeper: fail at once, in one line, when there is none.
import { INSTALL_HINT, findInstallation } from '../dist/server/launcher.js';

if (!findInstallation()) {
  console.error(`npm test: ${INSTALL_HINT} (or run scripts/install-zookeeper.sh)`);
  process.exit(1);
}
