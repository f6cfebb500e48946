/**
 * JMH benchmarks of the learner's kernels: {@link dev.trpo.bench.TrpoUpdateBenchmark} (Fisher-vector product, policy
 * step and whole TRPO update at the Zoo's CartPole and Pendulum sizes). Run after
 * {@code mvn -q -B -o install -pl policy,bench -DskipTests}:
 * {@code java -cp "bench/target/trpo-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.openjdk.jmh.Main TrpoUpdateBenchmark}.
 */
package dev.trpo.bench;
