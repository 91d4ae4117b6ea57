#!/usr/bin/env bash
# Installs ZooKeeper (and Java) where it is missing: the Debian/Ubuntu package, or Homebrew on macOS.
# Does nothing when ZooKeeper is already there (the Debian package, Homebrew, or ZOOKEEPER_HOME).
set -euo pipefail
if [ -n "${ZOOKEEPER_HOME:-}" ] || [ -f /usr/share/java/zookeeper.jar ] || [ -d /opt/homebrew/opt/zookeeper ] || [ -d /usr/local/opt/zookeeper ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y zookeeper
elif command -v brew >/dev/null 2>&1; then
  brew install zookeeper
else
  echo "install-zookeeper: no apt-get or brew here; install ZooKeeper 3.8 and Java, then set ZOOKEEPER_HOME to the unpacked release" >&2
  exit 1
fi
