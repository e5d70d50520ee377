# tcpgate image, built from the fat jar:
#   make build && docker build -t tcpgate:0.1.0-SNAPSHOT .
# Runs as the non-root user 10001 (the Deployment in k8s/base/ requires it) and reads /etc/tcpgate/config.json,
# where the Kubernetes ConfigMap is mounted; the image ships k8s/base/config.json there (the echo listeners, JSON
# logs), so it also runs on its own:
#   docker run --rm -p 7000-7001:7000-7001 -p 9090:9090 tcpgate:0.1.0-SNAPSHOT
# The demo kv store of conf/config.json (no authentication) is not published by default; to try it:
#   docker run --rm -p 7000-7002:7000-7002 -p 9090:9090 -v "$PWD/conf:/etc/tcpgate:ro" tcpgate:0.1.0-SNAPSHOT
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 10001 tcpgate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin tcpgate

# Owned by root and read-only for the runtime user.
COPY target/tcpgate.jar /opt/tcpgate/tcpgate.jar
COPY k8s/base/config.json /etc/tcpgate/config.json

WORKDIR /opt/tcpgate
USER 10001:10001

# TCP listeners lines, binary; admin HTTP (metrics, health, info)
EXPOSE 7000/tcp 7001/tcp 9090/tcp

# Exec form: java is PID 1 and gets SIGTERM itself (readiness 503, grace delay, drain, exit 0).
# JVM flags here rather than in JAVA_TOOL_OPTIONS, which the JVM echoes as a plain-text line before JSON logs. No
# --add-opens: the module access Hazelcast needs is in the jar's manifest, which java -jar applies.
# A later "-conf FILE" argument (docker run IMAGE -conf FILE) wins over this one.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50.0", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/tcpgate/tcpgate.jar", "-conf", "/etc/tcpgate/config.json"]
