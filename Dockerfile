# Widget: bundled by esbuild with Node 20 (the Maven build below reuses its dist/).
FROM node:20-bookworm-slim AS widget
WORKDIR /src/widget
COPY widget/package.json widget/package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY widget/ ./
RUN npm run build

# Gateway: one fat jar with the widget and the demo landing in it.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY . .
COPY --from=widget /src/widget/dist widget/dist
RUN mvn -B -q package -DskipTests -DskipNpm

# Run: one fat jar; the embedded store lives in /data unless TALIA_DB_URL points at Postgres.
FROM eclipse-temurin:17-jre
RUN useradd --system --home /app talia && mkdir -p /app /data && chown talia /data
WORKDIR /app
COPY --from=build /src/target/talia-webchat.jar /app/talia-webchat.jar
USER talia
ENV TALIA_DATA_DIR=/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# 8080 HTTP; clustered (README § Scaling out): 5701 Hazelcast, and the event bus on the port
# TALIA_CLUSTER_BUS_PORT fixes.
EXPOSE 8080 5701
VOLUME ["/data"]
ENTRYPOINT ["java", "-jar", "/app/talia-webchat.jar"]
