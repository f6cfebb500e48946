#!/usr/bin/env bash
# Where a sync-mode policy version's time goes (CartPole-v1 by default): runs ./trpo train against a standalone
# broker, then reads the run's record timestamps back (bench/VersionLatency.java).
#   bench/version-latency.sh [env=CartPole-v1] [total-steps=40960]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
env="${1:-CartPole-v1}"; steps="${2:-40960}"; port=19393; run="latency-$$"
"$root/trpo" --version >/dev/null
TRPO_SKIP_BUILD=1 "$root/trpo" broker --port $port >/tmp/$run-broker.log 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null || true' EXIT
for _ in $(seq 60); do grep -q bootstrap.servers /tmp/$run-broker.log && break; sleep 0.5; done
TRPO_SKIP_BUILD=1 "$root/trpo" train --env "$env" --run-id "$run" --total-steps "$steps" --bootstrap-servers 127.0.0.1:$port \
    --metrics-port 0 --run-dir "/tmp/$run" --quiet | grep -E 'wall time|env steps'
java -Dlogback.configurationFile=logback.xml -cp "$root/app/target/trpo.jar:$root/app/target/lib/*" \
    "$root/bench/VersionLatency.java" 127.0.0.1:$port "$run"
