# syntax=docker/dockerfile:1
#
# model-health: one image for every command (run, demo, simulate, topics, backtest).
#
#   docker build -t model-health:local .
#   docker run --rm -p 8080:8080 model-health:local demo                      # embedded Kafka, no setup
#   docker run --rm -p 8080:8080 -e MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS=broker:9092 model-health:local   # `run`
#
# Configuration: MODEL_HEALTH_* environment variables and/or a YAML file named by MODEL_HEALTH_CONFIG
# (docs/configuration.md). Extra JVM flags: JAVA_TOOL_OPTIONS. No HEALTHCHECK here on purpose: only
# `run` and `demo` serve HTTP (/healthz, /readyz); compose and Kubernetes probe those themselves.

# ---- build: the shaded jar, streams-app and the modules it depends on (not routing-client)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds, so a source change does not download the world again.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -pl streams-app -am package

# ---- runtime: a JRE, the jar, a non-root user
FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="model-health" \
      org.opencontainers.image.description="Kafka Streams monitor of LLM API call telemetry: health states, alerts, reroute commands"
# curl serves the compose healthchecks (GET /readyz); the base image usually has it already.
RUN set -eux; \
    if ! command -v curl > /dev/null; then \
        apt-get update; \
        apt-get install -y --no-install-recommends curl; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    groupadd --system --gid 10001 model-health; \
    useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin model-health; \
    mkdir -p /app /etc/model-health /var/lib/model-health; \
    chown 10001:10001 /var/lib/model-health
COPY --from=build /src/streams-app/target/model-health.jar /app/model-health.jar

# Kafka Streams' state (RocksDB stores, checkpoints): a volume, so a restarted container resumes
# from its local state instead of restoring every store from the changelogs.
ENV MODEL_HEALTH_KAFKA_STATE_DIR=/var/lib/model-health
VOLUME ["/var/lib/model-health"]
# /metrics, /healthz, /readyz, the API and the status page (http.port).
EXPOSE 8080
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /app

# Heap: 75% of the container's memory limit; the rest is for RocksDB, metaspace and threads.
# Out of memory: exit at once and let the orchestrator restart the process (exactly-once resumes
# from the last commit) rather than limp on.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/model-health.jar"]
CMD ["run"]
