#!/usr/bin/env bash
# The cluster tests (spec/nats) run a real nats-server with JetStream: Debian's package (the 2.9
# line). Installs it when it is missing and this user can (root with apt-get); otherwise says how.
set -u
[ -x /usr/sbin/nats-server ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's nats-server for the cluster tests…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null) || {
    echo "could not install nats-server; the cluster tests will fail" >&2
    exit 0
  }
else
  echo "note: /usr/sbin/nats-server is missing; run 'sudo apt-get install -y nats-server' for the cluster tests" >&2
fi
