// The least a command can do with node-zookeeper-client: connect, getData, print, close. The bench bundles
// it and loads it through our own bin (same bundling, same code cache), so the gap between it and
// `zk-coord config get` is what our CLI and connection layer cost on top of the prescribed library.
const zookeeper = require('node-zookeeper-client');

exports.run = async () => {
  const [connectString, path] = [process.env.ZK_COORD_SERVER, process.argv[2]];
  const client = zookeeper.createClient(connectString, { retries: 0 });
  client.once('connected', () =>
    client.getData(path, (error, data) => {
      if (error) process.exitCode = 1;
      else process.stdout.write(data);
      client.close();
    }),
  );
  client.connect();
};
