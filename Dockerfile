# Build: the Maven build also bundles the widget with npm, so the build stage has Node too.
FROM maven:3.9-eclipse-temurin-17 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY . .
RUN mvn -B -q package -DskipTests

# Run: one fat jar; the embedded store lives in /data unless TALIA_DB_URL points at Postgres.
FROM eclipse-temurin:17-jre
RUN useradd --system --home /app talia && mkdir -p /app /data && chown talia /data
WORKDIR /app
COPY --from=build /src/target/talia-webchat.jar /app/talia-webchat.jar
USER talia
ENV TALIA_DATA_DIR=/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["java", "-jar", "/app/talia-webchat.jar"]
