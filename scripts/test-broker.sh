#!/usr/bin/env bash
# Starts or stops the Kafka test broker: librdkafka's mock cluster (tools/mock-broker).
#
#   scripts/test-broker.sh [start] [brokers] [-t topic:partitions]...   prints KAFKA_BROKERS=<addr>
#   scripts/test-broker.sh stop
#   scripts/test-broker.sh status
#   scripts/test-broker.sh build                                         prints the binary's path
#
# The address is also kept in .broker/bootstrap, the pid in .broker/pid, the log in .broker/log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/mock-broker/mock-broker.c"
bin="$root/tools/mock-broker/mock-broker"
state="$root/.broker"

running_pid() {
  local pid
  [[ -f "$state/pid" ]] || return 1
  pid="$(cat "$state/pid")"
  # Only a live process that is our broker counts: a recycled pid belongs to someone else.
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "mock-broker" ]] || return 1
  echo "$pid"
}

build() {
  if [[ ! -x "$bin" || "$src" -nt "$bin" ]]; then
    if ! pkg-config --exists rdkafka; then
      echo "librdkafka is missing: apt-get install -y librdkafka-dev pkg-config" >&2
      exit 1
    fi
    # shellcheck disable=SC2046
    cc -O2 -Wall -Wextra -o "$bin" "$src" $(pkg-config --cflags --libs rdkafka) -lpthread
  fi
}

start() {
  local pid
  if pid="$(running_pid)"; then
    echo "KAFKA_BROKERS=$(cat "$state/bootstrap")"
    return 0
  fi
  build
  mkdir -p "$state"
  rm -f "$state/bootstrap" "$state/pid"
  : >"$state/out"
  # setsid: the broker outlives this script and the terminal it was started from.
  setsid "$bin" "$@" >"$state/out" 2>"$state/log" </dev/null &
  pid=$!
  for _ in $(seq 1 100); do
    if [[ -s "$state/out" ]]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "mock broker exited at start:" >&2
      cat "$state/log" >&2
      exit 1
    fi
    sleep 0.05
  done
  if [[ ! -s "$state/out" ]]; then
    echo "mock broker printed no address within 5 s" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  head -n 1 "$state/out" >"$state/bootstrap"
  echo "$pid" >"$state/pid"
  echo "KAFKA_BROKERS=$(cat "$state/bootstrap")"
  echo "the mock holds every empty fetch for its whole wait: start the platform against it with KAFKA_FETCH_WAIT_MS=20 (the suites do)" >&2
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$state/pid" "$state/bootstrap"
    echo "mock broker not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "mock broker $pid did not stop on SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$state/pid" "$state/bootstrap"
  echo "mock broker stopped"
}

case "${1:-start}" in
  start) shift || true; start "$@" ;;
  stop) stop ;;
  build) build; echo "$bin" ;;
  status)
    if pid="$(running_pid)"; then echo "running (pid $pid): KAFKA_BROKERS=$(cat "$state/bootstrap")"; else echo "not running"; exit 1; fi
    ;;
  [0-9]* | -t) start "$@" ;;
  *) echo "usage: $0 [start [brokers] [-t topic:partitions]...] | stop | status | build" >&2; exit 2 ;;
esac
