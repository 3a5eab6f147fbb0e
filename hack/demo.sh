#!/usr/bin/env bash
# make demo / make demo-down: runs the demo driver in the background and waits for its proof.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.demo

down() {
  if [[ -f $state/demo.pid ]] && kill -0 "$(cat $state/demo.pid)" 2>/dev/null; then
    kill "$(cat $state/demo.pid)"
    for _ in $(seq 50); do kill -0 "$(cat $state/demo.pid)" 2>/dev/null || break; sleep 0.2; done
    echo "demo stopped"
  fi
  rm -rf "$state"
}

case "${1:-up}" in
  down) down ;;
  up)
    down >/dev/null
    mkdir -p $state
    ./mvnw -B -q test-compile
    nohup ./mvnw -B -q exec:java >$state/demo.log 2>&1 &
    echo "demo starting (log: $state/demo.log)"
    for _ in $(seq 600); do
      if [[ -f $state/ready ]]; then
        grep -v -E ' (WARN|INFO|DEBUG) ' $state/demo.log
        exit 0
      fi
      if grep -q 'DEMO FAILED' $state/demo.log 2>/dev/null || ! pgrep -f 'exec:java' >/dev/null; then
        cat $state/demo.log
        echo "demo failed" >&2
        exit 1
      fi
      sleep 0.5
    done
    cat $state/demo.log; echo "demo timed out" >&2; exit 1 ;;
esac
