#!/usr/bin/env bash
# Installs what Daedalus needs outside npm when it is missing: nats-server (JetStream), a JDK (javac compiles
# our JMX bridge and the Cassandra simulator) and, with --tests, docker-compose, kubectl, promtool and amtool (the tests check the
# deployment files and alert rules with them; the demo does not need them) and chromium (the dashboard's browser test drives it
# headless through playwright-core). Debian packages only.
set -euo pipefail

missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
{ command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; } || missing+=(openjdk-17-jdk-headless)
# the deployment tests: `docker-compose config` checks docker-compose.yml, `kubectl kustomize` builds deploy/k8s
if [ "${1:-}" = "--tests" ]; then
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  # promtool (Debian's prometheus package) tests deploy/prometheus/daedalus-alerts.yml (test/deploy/alerts.test.ts)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  # amtool (Debian's prometheus-alertmanager package) checks deploy/alertmanager (test/deploy/alertmanager.test.ts)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  # the dashboard e2e (test/e2e/dashboard.test.ts) launches /usr/bin/chromium
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

# nats-server may live in /usr/sbin, which is not on every user's PATH.
if ! command -v nats-server >/dev/null 2>&1 && [ -x /usr/sbin/nats-server ]; then
  echo "note: nats-server is /usr/sbin/nats-server (not on PATH); the scripts find it there"
fi
