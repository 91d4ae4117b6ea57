/**
 * The ZooKeeper client library under the connection layer, as `zk-coord --version` names it. Written here
 * rather than read from its package.json: the CLI is one bundled file that ships without node_modules. The
 * dependency is pinned to this exact version (package.json); a unit test checks the two agree.
 */
export const CLIENT_LIBRARY = { name: 'node-zookeeper-client', version: '1.1.3' } as const;
