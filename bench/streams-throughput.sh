#!/usr/bin/env bash
# Transitions/s through the stream processors (validate, assemble, GAE, exactly_once_v2) on an in-process broker:
# pre-produces N CartPole-shaped transitions, then times the topology until the last segment is committed.
# Usage: bench/streams-throughput.sh [transitions=1000000] [actors=16] [partitions=4] [segment-length=128] [threads=1]
# Builds the stream-processors module (offline) first and runs on copies of its dependencies, so a module
# re-installed meanwhile does not change the classes under the run. Pin to 2 cores: taskset -c 0,1 bench/streams-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o install -pl stream-processors -DskipTests
lib=stream-processors/target/bench-lib
rm -rf "$lib"
mvn -q -B -o dependency:copy-dependencies -pl stream-processors -DincludeScope=test -DoutputDirectory="$PWD/$lib" >/dev/null
exec java -Xmx3g -Dlogback.configurationFile=stream-processors/src/test/resources/logback-test.xml \
  -cp "stream-processors/target/test-classes:stream-processors/target/classes:$lib/*" \
  dev.trpo.streams.StreamsThroughputBench "$@"
