# Two stages: build the jar with Maven, then run it on a plain JRE as a non-root
# user. Build: docker build -t regcred-operator:0.1.0 .

# --- build ---------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src ./src
# Produces target/regcred-operator.jar and its dependencies in target/lib/
# (maven-dependency-plugin copy-dependencies).
RUN mvn -B -q package -DskipTests

# --- runtime -------------------------------------------------------------------
# Production builds should pin this base image by digest
# (eclipse-temurin:17-jre@sha256:...) so rebuilds are reproducible.
FROM eclipse-temurin:17-jre
WORKDIR /app
# Owned by root and read-only to the runtime user; the pod also mounts the root
# filesystem read-only and gives the JVM an emptyDir at /tmp.
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/regcred-operator.jar /app/regcred-operator.jar
USER 65532:65532
# Health endpoints (/healthz, /readyz), REGCRED_HTTP_PORT.
EXPOSE 8080
ENTRYPOINT ["java","-cp","/app/regcred-operator.jar:/app/lib/*","io.regcred.OperatorMain"]
