# Two stages: build the jar and assemble the runtime payload (a jlink-trimmed JRE plus the jars)
# with hack/payload.sh, the same script the tests run outside a container; then copy the payload
# onto a minimal base as a non-root user.
#   docker build -t regcred-operator:0.1.0 .
# Both bases are build arguments, so an equivalent image can stand in (hack/image.sh builds both
# from Debian packages where public registries cannot be reached). BUILD_IMAGE: a JDK 17 with
# jmods (for jlink) that sets JAVA_HOME and builds as root. Pin both by digest in your pipeline
# (docker buildx imagetools inspect <image>), e.g.
#   --build-arg RUNTIME_IMAGE=debian:bookworm-slim@sha256:<digest>; the digests cannot be looked up from here.
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build ---------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY src/ src/
COPY hack/payload.sh hack/payload.sh
RUN ./mvnw -B -q package -Dmaven.test.skip=true -Dspotless.check.skip=true \
 && hack/payload.sh /opt/regcred

# --- runtime -------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# At the path it was built at: its class-data sharing archive names the payload's paths.
COPY --from=build /opt/regcred /opt/regcred
# Container-aware heap; a fixed user; nothing written outside /tmp (an emptyDir in the pod).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp" \
    REGCRED_LOG_FORMAT=json
USER 65532:65532
# /healthz, /readyz and /metrics (REGCRED_HTTP_PORT).
EXPOSE 8080
# The payload's launcher holds the JVM's options (hack/payload.sh).
ENTRYPOINT ["/opt/regcred/bin/regcred-operator"]
