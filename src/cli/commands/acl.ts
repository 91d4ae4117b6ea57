import type { Command } from 'commander';
import { plural } from '../../output/escape.js';
import { statJson, statLines } from '../../output/render.js';
import { formatAcl, formatAclZkCli, parseAclList } from '../../zk/index.js';
import { parseZnodeVersion } from '../options.js';
import { subcommand, type App } from '../program.js';

const ACL_HELP = `
ACL forms (zkCli's): world:anyone:r  digest:user:base64-sha1:cdrwa  auth::cdrwa  ip:10.0.0.0/8:r
  digest-plain:user:password:cdrwa   hashed here as ZooKeeper's digest provider does; the password is never
                                     sent or printed, but it is in argv (ps): prefer auth::cdrwa with
                                     ZK_COORD_AUTH/--auth-file, or digest: with a hash
  creator                            auth::cdrwa plus world:anyone:r (needs ZK_COORD_AUTH or --auth-file)
Several ACLs: separate arguments, or comma-separated as zkCli takes them. Permissions: c create, d delete,
r read, w write, a admin. A delete is checked against the parent's ACL, not the node's.`;

export function registerAcl(program: Command, app: App): void {
  const acl = program.command('acl').description("show and set znode ACLs (zkCli getAcl / setAcl)").addHelpText('after', `${ACL_HELP}\n\nExamples:\n  zk-coord acl get /config/database`);

  subcommand(acl, 'get', "print a znode's ACL, one scheme:id:perms per line (--zkcli: zkCli's layout)")
    .argument('<path>', 'znode path')
    .option('--stat', 'also print the stat (its aversion is what acl set --version compares)')
    .option('--zkcli', "zkCli's getAcl layout ('world,'anyone then : cdrwa)")
    .addHelpText('after', '\nExamples:\n  zk-coord acl get /config/database\n  zk-coord acl get /config/database -o json | jq -r \'.[].scheme\'')
    .action(async (path: string, opts: { stat?: boolean; zkcli?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const { acl: entries, stat } = await client.getAcl(path);
      const { printer } = ctx;
      if (printer.json) {
        printer.result([], opts.stat ? { path, acl: entries, stat: statJson(stat) } : entries);
        return;
      }
      const lines = opts.zkcli ? formatAclZkCli(entries) : entries.map(formatAcl);
      printer.result(opts.stat ? [...lines, ...statLines(stat)] : lines, null);
    });

  subcommand(acl, 'set', "replace a znode's ACL (zkCli setAcl)")
    .argument('<path>', 'znode path')
    .argument('<acl...>', 'one or more ACLs (see acl --help)')
    .option('--version <n>', "compare-and-set on the node's ACL version (aversion; exit 6 on mismatch)", parseZnodeVersion)
    .option('-R, --recursive', 'the node and its whole subtree (--version applies to the node itself)')
    .addHelpText(
      'after',
      '\nExamples:\n  zk-coord acl set /config/database world:anyone:r digest:admin:x1nq8J5GOJVPY6zgzhtTtA9izLc=:cdrwa\n  zk-coord acl set /app -R auth::cdrwa world:anyone:r     # with ZK_COORD_AUTH=admin:secret\n  zk-coord acl set /app ip:127.0.0.1:cdrwa --version 2',
    )
    .action(async (path: string, aclArgs: string[], opts: { version?: number; recursive?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      // Parsed before connecting: a typo costs no round trip, and a digest-plain password is hashed here.
      const entries = parseAclList(aclArgs);
      const client = await ctx.connect();
      const paths = opts.recursive ? await client.listTree(path) : [path];
      let first: { aversion: number } | undefined;
      for (const p of paths) {
        const stat = await client.setAcl(p, entries, p === path ? (opts.version ?? -1) : -1);
        if (p === path) first = stat;
      }
      const { printer } = ctx;
      if (printer.json) printer.result([], { path, acl: entries, aclVersion: first?.aversion ?? null, nodes: paths.length });
      else printer.note(`set the ACL of ${path}${paths.length > 1 ? ` and ${plural(paths.length - 1, 'node')} under it` : ''} (acl version ${first?.aversion ?? '?'})`);
    });
}
