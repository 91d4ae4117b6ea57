// node-zookeeper-client's published types are wrong in places (notes: ACL.perms, nullable stats, Exception
// not an Error). We declare the modules opaque and describe what we use ourselves, in library.ts.
declare module 'node-zookeeper-client' {
  const library: unknown;
  export default library;
}

declare module 'node-zookeeper-client/lib/Exception.js' {
  const exceptions: unknown;
  export default exceptions;
}

declare module 'node-zookeeper-client/lib/jute/index.js' {
  const jute: unknown;
  export default jute;
}
