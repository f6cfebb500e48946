# The trpo application image: one image for every process (connector, streams, trainer, topics create).
#
#   mvn -B -ntp package -DskipTests      # builds app/target/trpo.jar and app/target/lib/
#   docker build -t ghcr.io/trpo-kafka/trpo:0.1.0 .
#   docker run --rm ghcr.io/trpo-kafka/trpo:0.1.0 --help
#
# Runs as the non-root user 10001 and writes nowhere but /tmp (and the Kafka Streams state dir it is given), so
# it works with readOnlyRootFilesystem; the Helm chart (helm/trpo-pipeline) mounts an emptyDir on /tmp.
FROM eclipse-temurin:17-jre

ARG UID=10001
RUN groupadd --system --gid ${UID} trpo \
 && useradd --system --uid ${UID} --gid trpo --home-dir /tmp --no-create-home --shell /usr/sbin/nologin trpo

# Dependencies change less often than the application: their own layer first.
COPY --chown=root:root app/target/lib/ /opt/trpo/lib/
COPY --chown=root:root app/target/trpo.jar /opt/trpo/trpo.jar
# the process-environment helper (trpo_env.py) and its CartPole example; an image derived from this one adds a
# Python and its simulator, then runs e.g. --env "process:python3 /opt/trpo/python/cartpole.py"
COPY --chown=root:root connectors/python/ /opt/trpo/python/

USER 10001:10001
WORKDIR /tmp
ENV HOME=/tmp
# Prometheus metrics and health (/metrics, /health/live, /health/ready).
EXPOSE 9404

# Plug-in jars (e.g. environments, see connectors/README.md) go in /opt/trpo/plugins/ of a derived image:
#   FROM ghcr.io/trpo-kafka/trpo:0.1.0
#   COPY my-robot-env.jar /opt/trpo/plugins/
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/opt/trpo/trpo.jar:/opt/trpo/plugins/*", "dev.trpo.app.Main"]
CMD ["--help"]
