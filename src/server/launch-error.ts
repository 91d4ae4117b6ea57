/** ZooKeeper could not be found or started. In a module of its own so the exit-code map can name it without loading the launcher. */
export class LaunchError extends Error {
  override name = 'LaunchError';
}
