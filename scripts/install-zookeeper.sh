#!/usr/bin/env bash
# Installs ZooKeeper (and Java) where it is missing: the Debian/Ubuntu package, or Homebrew on macOS.
# Does nothing when ZooKeeper is already there (the Debian package, Homebrew, or ZOOKEEPER_HOME).
# With --test-tools it also installs what the test suite uses besides ZooKeeper: openssl (throwaway TLS
# certificates), python3-kazoo (an independent client for the ACL tests, and kazoo's recipes for the interop
# tests), Apache Curator 5.4 (libcurator-recipes-java, libcurator-discovery-java: the Curator interop tests, run
# with the JDK's `java File.java`), promtool (Debian's prometheus package: validates the --http /metrics
# exposition), and zsh and fish (the completion scripts are run in their shells).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ "${1:-}" = "--test-tools" ]; then
  missing=()
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  /usr/bin/python3 -c 'import kazoo' >/dev/null 2>&1 || missing+=(python3-kazoo)
  [ -f /usr/share/java/curator-recipes.jar ] || missing+=(libcurator-recipes-java)
  [ -f /usr/share/java/curator-x-discovery.jar ] || missing+=(libcurator-discovery-java)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v zsh >/dev/null 2>&1 || missing+=(zsh)
  command -v fish >/dev/null 2>&1 || missing+=(fish)
  if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
      $SUDO apt-get update
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
    else
      echo "install-zookeeper: install ${missing[*]} (the test suite needs them)" >&2
      exit 1
    fi
  fi
fi
# Debian's zookeeper package, not only its jars: libzookeeper-java (which the Curator packages above pull in)
# has /usr/share/java/zookeeper.jar, enough for a server, but not zkCli.sh, which the tests compare against.
if [ -n "${ZOOKEEPER_HOME:-}" ] || [ -x /usr/share/zookeeper/bin/zkCli.sh ] || [ -d /opt/homebrew/opt/zookeeper ] || [ -d /usr/local/opt/zookeeper ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y zookeeper
elif command -v brew >/dev/null 2>&1; then
  brew install zookeeper
else
  echo "install-zookeeper: no apt-get or brew here; install ZooKeeper 3.8 and Java, then set ZOOKEEPER_HOME to the unpacked release" >&2
  exit 1
fi
