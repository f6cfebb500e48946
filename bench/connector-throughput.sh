#!/usr/bin/env bash
# Transitions/s published by one connector (CartPole-v1, 64x64 policy, async mode) to an in-process broker.
# Usage: bench/connector-throughput.sh [actors=16] [warmup-s=10] [measure-s=20] [partitions=4]
# Builds the connectors module (offline) first. Pin to 2 cores with: taskset -c 0,1 bench/connector-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o install -pl connectors -DskipTests
cp_file=connectors/target/bench.classpath
mvn -q -B -o dependency:build-classpath -pl connectors -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$cp_file" >/dev/null
exec java -Xmx2g -cp "connectors/target/test-classes:connectors/target/classes:$(cat "$cp_file")" \
  dev.trpo.connectors.runtime.ConnectorThroughputBench "$@"
