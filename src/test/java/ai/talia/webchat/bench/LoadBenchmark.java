package ai.talia.webchat.bench;

import ai.talia.webchat.fakeopenai.FakeOpenAiServer;
import ai.talia.webchat.fakeopenai.FakeReply;
import ai.talia.webchat.fakeopenai.StreamTiming;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.GatewayCluster;
import ai.talia.webchat.support.JarProcess;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load benchmark of README § Performance. It starts the packaged jar on Postgres, drives it
 * over WebSocket and REST from this process, and prints figures; it asserts nothing and is not part
 * of the test suite. Settings are system properties (bench.*), see {@link #main}.
 */
public final class LoadBenchmark {
  private final Map<String, Object> results = new java.util.LinkedHashMap<>();
  private final List<String> sections = new ArrayList<>();

  /** The database of the gateway started last, to read its statistics. */
  private String database = "";

  public static void main(String[] args) throws Exception {
    LoadBenchmark bench = new LoadBenchmark();
    String phases = System.getProperty("bench.phases", "latency,throughput,idle,actors");
    try {
      for (String phase : phases.split(",", -1)) {
        switch (phase.trim()) {
          case "latency" -> {
            // One run per count: -Dbench.latencySessions=20,100 measures at 20 and at 100.
            String[] counts = System.getProperty("bench.latencySessions", "500").split(",", -1);
            for (String count : counts) {
              int sessions = Integer.parseInt(count.trim());
              bench.latency(
                  counts.length == 1 ? "latency" : "latency." + sessions,
                  sessions,
                  Integer.getInteger("bench.seconds", 20),
                  Integer.getInteger("bench.firstTokenMs", 200),
                  Integer.getInteger("bench.tokenMs", 20),
                  Integer.getInteger("bench.tokens", 16));
            }
          }
          case "throughput" ->
              bench.throughput(
                  Integer.getInteger("bench.throughputSessions", 200),
                  Integer.getInteger("bench.seconds", 20));
          case "idle" -> bench.idle(Integer.getInteger("bench.idleSessions", 50_000));
          case "actors" -> bench.actors(Integer.getInteger("bench.actorSessions", 2_000));
          case "cluster" ->
              bench.cluster(
                  Integer.getInteger("bench.clusterSessions", 40),
                  Integer.getInteger("bench.seconds", 20),
                  Integer.getInteger("bench.firstTokenMs", 200),
                  Integer.getInteger("bench.tokenMs", 20),
                  Integer.getInteger("bench.tokens", 16));
          default -> throw new IllegalArgumentException("unknown phase " + phase);
        }
      }
    } catch (Throwable e) {
      e.printStackTrace();
      bench.results.put("error", String.valueOf(e));
    } finally {
      bench.print();
      // Vert.x threads are not daemons: without this exec:java would wait for them forever.
      System.exit(bench.results.containsKey("error") ? 1 : 0);
    }
  }

  /**
   * A work directory whose conf/talia.json lifts the per-visitor limits: the benchmark is one
   * client.
   */
  private static Path workDir(JsonObject extra) throws Exception {
    Path dir = Files.createTempDirectory("talia-bench-");
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/talia.json"), benchConf(extra).encodePrettily());
    return dir;
  }

  private static JsonObject benchConf(JsonObject extra) {
    return new JsonObject()
        .put(
            "limits",
            new JsonObject()
                .put("sessionMaxTurns", 100_000_000)
                .put("sessionMaxTokens", 0)
                .put("sessionQueueMax", 1000)
                .put(
                    "sessionRate",
                    new JsonObject()
                        .put("capacity", 100_000_000)
                        .put("refillPerMinute", 100_000_000))
                .put(
                    "ipRate",
                    new JsonObject()
                        .put("capacity", 100_000_000)
                        .put("refillPerMinute", 100_000_000)))
        .put(
            "session",
            new JsonObject()
                .put("idleSeconds", 3600)
                // -Dbench.modelBeforeCommit=false: each turn's model request waits for its
                // message's
                // commit, as before it could go out with the insert in flight
                .put(
                    "modelBeforeCommit",
                    Boolean.parseBoolean(System.getProperty("bench.modelBeforeCommit", "true"))))
        .put("http", new JsonObject().put("maxConnectionsPerAddress", 0))
        .put(
            "stream",
            new JsonObject().put("helloTimeoutSeconds", 120).put("maxSocketsPerAddress", 0))
        .put("db", new JsonObject().put("poolSize", 16))
        .mergeIn(extra, true);
  }

  /**
   * Waits for a phase's futures; longer than the tests' minute, since a phase may run for minutes.
   */
  private static <T> T await(Future<T> future) {
    return RunningGateway.await(future, java.time.Duration.ofMinutes(30));
  }

  private static String postgres() {
    if (System.getenv("TALIA_TEST_DB_URL") == null) {
      System.err.println(
          "TALIA_TEST_DB_URL is not set: using postgresql://postgres@127.0.0.1:5432/postgres");
    }
    return TestDatabases.freshPostgres();
  }

  private JarProcess jar(JsonObject conf, Map<String, String> env, String... jvm) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    database = postgres();
    all.put("TALIA_DB_URL", database);
    all.putIfAbsent("TALIA_ENGINE", "scripted");
    all.putAll(gatewayEnv());
    List<String> args = new ArrayList<>(List.of(jvm));
    args.addAll(gatewayJvmArgs());
    return JarProcess.start(workDir(conf), all, args.toArray(String[]::new));
  }

  /** {@code -Dbench.gatewayEnv=NAME=value,...}: settings of every gateway, to compare them. */
  private static Map<String, String> gatewayEnv() {
    Map<String, String> env = new HashMap<>();
    for (String pair : System.getProperty("bench.gatewayEnv", "").split(",", -1)) {
      if (pair.isBlank()) continue;
      int eq = pair.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("bench.gatewayEnv: not NAME=value: " + pair);
      env.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return env;
  }

  /**
   * {@code -Dbench.jvmArgs=...}: flags of every gateway's JVM, e.g.
   * -XX:StartFlightRecording=filename=/tmp/gateway.jfr,settings=profile to profile it.
   */
  private static List<String> gatewayJvmArgs() {
    String extra = System.getProperty("bench.jvmArgs", "");
    return extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
  }

  /**
   * The openai engine against the fake model with a fixed time to first token and time per token:
   * {@code sessions} visitors chat back to back over WebSocket. Overhead is what the gateway adds:
   * end to end minus the model's own time, and first delta minus the model's time to first token,
   * both as the fake really took them for that turn (it runs in this JVM, on the same clock).
   */
  void latency(String key, int sessions, int seconds, int firstTokenMs, int tokenMs, int tokens)
      throws Exception {
    Vertx fakeVertx = Vertx.vertx();
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(fakeVertx));
    String text = String.join(" ", java.util.Collections.nCopies(tokens, "palabra"));
    // The fake's timers fire a little late under load: each turn's overhead is measured against
    // what the fake really took for that turn, matched by the turn's unique text.
    Map<String, StreamTiming> modelTimes = new java.util.concurrent.ConcurrentHashMap<>();
    fake.recordRequests(false)
        .model(
            request -> {
              StreamTiming timing = new StreamTiming(request.arrivedAt());
              modelTimes.put(String.valueOf(request.userText()), timing);
              return FakeReply.text(text, tokens)
                  .firstTokenDelay(firstTokenMs)
                  .perTokenDelay(tokenMs)
                  .usage(60, tokens)
                  .timing(timing);
            });
    Map<String, String> env =
        Map.of(
            "TALIA_ENGINE",
            "openai",
            "TALIA_OPENAI_API_KEY",
            fake.apiKey(),
            "TALIA_OPENAI_BASE_URL",
            fake.baseUrl(),
            "TALIA_OPENAI_MAX_CONNECTIONS",
            String.valueOf(sessions * 2));
    try (JarProcess jar = jar(new JsonObject(), env, "-Xmx1g")) {
      Vertx vertx = Vertx.vertx();
      ChatDriver driver = new ChatDriver(vertx, jar.port(), "2026-11");
      List<ChatDriver.ChatSocket> sockets = open(driver, sessions);
      AtomicLong turnNumber = new AtomicLong();
      // Warm-up, not measured: each session's first turn also creates its conversation upstream,
      // and the gateway's JIT needs a few thousand turns (-Dbench.warmupSeconds).
      List<Future<ChatDriver.Timing>> warmUp = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets)
        warmUp.add(socket.say("Hola " + turnNumber.incrementAndGet()));
      await(Future.all(warmUp));
      FailedTurns failures = new FailedTurns();
      long measureFrom =
          System.nanoTime()
              + TimeUnit.SECONDS.toNanos(Integer.getInteger("bench.warmupSeconds", 30));
      long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
      java.util.concurrent.ConcurrentLinkedQueue<long[]> overheads =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      // One loop per session through warm-up and window, each started after a random part of a
      // turn: restarting every session when the window opens sent all their messages at once, and
      // the window's first seconds measured that burst (at 100 sessions on 2026-12-03, a p50 of
      // 20 ms in its first second and under 1.5 ms from its fourth on).
      long turnMs = firstTokenMs + (long) tokens * tokenMs;
      java.util.Random spread = new java.util.Random(42);
      List<Future<Void>> loops = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets) {
        loops.add(
            spreadLoop(
                vertx,
                spread,
                turnMs,
                socket,
                end,
                measureFrom,
                turnNumber,
                modelTimes,
                overheads,
                failures));
      }
      sleepUntil(measureFrom);
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      GatewayProfiler profile = GatewayProfiler.start(jar.pid(), key);
      long[] cpuBefore = probe.cpuNanos();
      long[] syscallsBefore = probe.syscalls(databaseName());
      // The turns counted are those sent in the window; the CPU is read at its two ends, where
      // as many turns are in flight.
      sleepUntil(end);
      double elapsed = seconds;
      long[] cpuAfter = probe.cpuNanos();
      long[] syscallsAfter = probe.syscalls(databaseName());
      section(profile.stop(resultsDir()));
      await(Future.join(loops));
      long[] overhead = overheads.stream().mapToLong(o -> o[0]).toArray();
      long[] firstToken = overheads.stream().mapToLong(o -> o[1]).toArray();
      results.put(key + ".active_sessions", sessions);
      long[] beforeModel = overheads.stream().mapToLong(o -> o[2]).toArray();
      long[] afterModel = overheads.stream().mapToLong(o -> o[1] - o[2]).toArray();
      results.put(
          key + ".fake_model",
          firstTokenMs + " ms to first token, " + tokens + " tokens, " + tokenMs + " ms each");
      results.put(key + ".turns_per_second", String.format("%.0f", overhead.length / elapsed));
      results.put(key + ".failed_turns", failures);
      results.put(key + ".overhead_per_turn", Percentiles.ofNanos(overhead));
      results.put(key + ".first_token_overhead", Percentiles.ofNanos(firstToken));
      // The same in two legs: the message sent until the model has its request, and the model's
      // first delta written until the visitor's socket has it.
      results.put(key + ".first_token_before_model", Percentiles.ofNanos(beforeModel));
      results.put(key + ".first_token_after_model", Percentiles.ofNanos(afterModel));
      results.put(
          key + ".fake_request_handling",
          Percentiles.ofNanos(overheads.stream().mapToLong(o -> o[3]).toArray()));
      results.put(
          key + ".cpu_per_turn",
          GatewayProbe.cpuPerTurn(cpuBefore, cpuAfter, overhead.length)
              .replace("driver", "driver+fake model"));
      results.put(
          key + ".syscalls_per_turn",
          GatewayProbe.syscallsPerTurn(syscallsBefore, syscallsAfter, overhead.length));
      // The gateway's own view: from the engine's start of a turn to its first text, and to its
      // end.
      results.put(
          key + ".gateway_mean_engine_first_token",
          probe.meanMs("talia_openai_first_token_seconds"));
      results.put(
          key + ".gateway_mean_engine_turn",
          probe.meanMs("talia_openai_turn_duration_seconds", "outcome=\"completed\""));
      results.put(
          key + ".gateway_mean_session_turn", probe.meanMs("talia_turn_duration_seconds", ""));
      results.put(key + ".heap_now", GatewayProbe.mib(probe.heapNow()));
      results.put(key + ".rss", GatewayProbe.mib(probe.rss()));
      await(driver.close());
      await(vertx.close());
      jar.terminate();
    } finally {
      await(fake.close());
      await(fakeVertx.close());
    }
  }

  /**
   * Two clustered gateways on this machine, every session's actor on node A: {@code sessions}
   * visitors with their socket on A (the same node) and as many on B (the other node), each group
   * measured alone against the fake model as in {@link #latency}; then {@code kill -9} of a node
   * and the time until a moved session's next turn succeeds on the survivor.
   */
  void cluster(int sessions, int seconds, int firstTokenMs, int tokenMs, int tokens)
      throws Exception {
    // What a request costs with the per-IP bucket in this JVM, to compare with a shared one below.
    try (JarProcess alone = jar(new JsonObject(), Map.of(), "-Xmx512m")) {
      Api api = new Api(alone.baseUrl());
      results.put("cluster.alone_request_without_bucket", sequentialLatency(api, "/health"));
      results.put(
          "cluster.alone_request_with_ip_bucket", sequentialLatency(api, "/api/webchat/config"));
      alone.terminate();
    }
    Vertx fakeVertx = Vertx.vertx();
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(fakeVertx));
    String text = String.join(" ", java.util.Collections.nCopies(tokens, "palabra"));
    Map<String, StreamTiming> modelTimes = new java.util.concurrent.ConcurrentHashMap<>();
    fake.recordRequests(false)
        .model(
            request -> {
              StreamTiming timing = new StreamTiming(request.arrivedAt());
              modelTimes.put(String.valueOf(request.userText()), timing);
              return FakeReply.text(text, tokens)
                  .firstTokenDelay(firstTokenMs)
                  .perTokenDelay(tokenMs)
                  .usage(60, tokens)
                  .timing(timing);
            });
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "TALIA_ENGINE",
                "openai",
                "TALIA_OPENAI_API_KEY",
                fake.apiKey(),
                "TALIA_OPENAI_BASE_URL",
                fake.baseUrl(),
                "TALIA_OPENAI_MAX_CONNECTIONS",
                String.valueOf(sessions * 4)));
    env.putAll(gatewayEnv());
    List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
    jvm.addAll(gatewayJvmArgs());
    try (GatewayCluster cluster = new GatewayCluster(2, env, benchConf(new JsonObject()), jvm)) {
      List<JarProcess> nodes = cluster.start(2);
      JarProcess a = nodes.get(0);
      JarProcess b = nodes.get(1);
      Vertx vertx = Vertx.vertx();
      ChatDriver viaA = new ChatDriver(vertx, a.port(), "2026-11");
      ChatDriver viaB = new ChatDriver(vertx, b.port(), "2026-11");
      // Sessions are created and consented through A, so their actors run on A.
      List<ChatDriver.ChatSocket> same = new ArrayList<>();
      List<ChatDriver.ChatSocket> other = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        same.add(await(viaA.visitor().compose(viaA::connect)));
        other.add(await(viaA.visitor().compose(viaB::connect)));
      }
      AtomicLong turnNumber = new AtomicLong();
      FailedTurns failures = new FailedTurns();
      List<ChatDriver.ChatSocket> all = new ArrayList<>(same);
      all.addAll(other);
      long warmEnd =
          System.nanoTime()
              + TimeUnit.SECONDS.toNanos(Integer.getInteger("bench.warmupSeconds", 30));
      List<Future<Void>> warming = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : all)
        warming.add(
            timedLoop(
                socket,
                warmEnd,
                warmEnd,
                turnNumber,
                modelTimes,
                new java.util.concurrent.ConcurrentLinkedQueue<>(),
                failures));
      await(Future.join(warming));
      GatewayProbe probeA = new GatewayProbe(a.pid(), new Api(a.baseUrl()));
      GatewayProbe probeB = new GatewayProbe(b.pid(), new Api(b.baseUrl()));
      // The two groups take turns, two rounds each, so that neither gets the JIT's late work.
      long turnMs = firstTokenMs + (long) tokens * tokenMs;
      java.util.Random spread = new java.util.Random(42);
      Map<String, java.util.concurrent.ConcurrentLinkedQueue<long[]>> overheads = new HashMap<>();
      Map<String, long[]> cpu = new HashMap<>();
      Map<String, Double> elapsed = new HashMap<>();
      GatewayProfiler profileA = GatewayProfiler.start(a.pid(), "cluster.node_a");
      GatewayProfiler profileB = GatewayProfiler.start(b.pid(), "cluster.node_b");
      for (int round = 0; round < 4; round++) {
        String group = round % 2 == 0 ? "same_node" : "other_node";
        java.util.concurrent.ConcurrentLinkedQueue<long[]> measured =
            overheads.computeIfAbsent(
                group, g -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        // Each session starts after a random part of a turn and the round is measured from one
        // turn's length on, as in the latency phase: started together, the sessions' first
        // messages arrived at once and the round's first seconds measured that burst.
        long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(turnMs);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds / 2);
        List<Future<Void>> loops = new ArrayList<>();
        for (ChatDriver.ChatSocket socket : round % 2 == 0 ? same : other) {
          loops.add(
              spreadLoop(
                  vertx,
                  spread,
                  turnMs,
                  socket,
                  end,
                  measureFrom,
                  turnNumber,
                  modelTimes,
                  measured,
                  failures));
        }
        sleepUntil(measureFrom);
        long[] cpuA = probeA.cpuNanos();
        long[] cpuB = probeB.cpuNanos();
        sleepUntil(end);
        long[] cpuAfterA = probeA.cpuNanos();
        long[] cpuAfterB = probeB.cpuNanos();
        await(Future.join(loops));
        elapsed.merge(group, (end - measureFrom) / 1e9, Double::sum);
        long[] spent = cpu.computeIfAbsent(group, g -> new long[3]);
        spent[0] += cpuAfterA[0] - cpuA[0];
        spent[1] += cpuAfterB[0] - cpuB[0];
        spent[2] += cpuAfterA[1] - cpuA[1];
      }
      section(profileA.stop(resultsDir()));
      section(profileB.stop(resultsDir()));
      for (String group : List.of("same_node", "other_node")) {
        long[] overhead = overheads.get(group).stream().mapToLong(o -> o[0]).toArray();
        long[] firstToken = overheads.get(group).stream().mapToLong(o -> o[1]).toArray();
        long turns = Math.max(1, overhead.length);
        long[] spent = cpu.get(group);
        String key = "cluster." + group;
        results.put(
            key + ".turns_per_second", String.format("%.0f", overhead.length / elapsed.get(group)));
        results.put(key + ".overhead_per_turn", Percentiles.ofNanos(overhead));
        results.put(key + ".first_token_overhead", Percentiles.ofNanos(firstToken));
        results.put(
            key + ".cpu_per_turn",
            String.format(
                "node A %.2f ms, node B %.2f ms, postgres %.2f ms",
                spent[0] / 1e6 / turns, spent[1] / 1e6 / turns, spent[2] / 1e6 / turns));
      }
      results.put("cluster.sessions_per_group", sessions);
      // What a shared (Hazelcast) IP bucket adds to a request: /api/* takes one, /health none.
      Api api = new Api(a.baseUrl());
      results.put("cluster.request_without_bucket", sequentialLatency(api, "/health"));
      results.put("cluster.request_with_ip_bucket", sequentialLatency(api, "/api/webchat/config"));
      results.put("cluster.failed_turns", failures);
      await(viaB.close());
      // Failover: sessions whose actor runs on A, reached through B once A is killed.
      List<ChatDriver.Visitor> moved = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ChatDriver.Visitor v = await(viaA.visitor());
        await(viaA.restTurn(v, "Hola " + turnNumber.incrementAndGet()));
        moved.add(v);
      }
      await(viaA.close());
      ChatDriver survivor = new ChatDriver(vertx, b.port(), "2026-11");
      a.kill();
      long killed = System.nanoTime();
      List<Future<Long>> recovered = new ArrayList<>();
      for (ChatDriver.Visitor v : moved)
        recovered.add(untilServed(vertx, survivor, v, turnNumber, killed));
      await(Future.all(recovered));
      long[] failover = recovered.stream().mapToLong(Future::result).toArray();
      results.put("cluster.failover_after_kill_9", Percentiles.ofNanos(failover));
      await(survivor.close());
      await(vertx.close());
    } finally {
      await(fake.close());
      await(fakeVertx.close());
    }
  }

  /** 2,000 GETs one after another (after 500 unmeasured): their latency percentiles. */
  private static Percentiles sequentialLatency(Api api, String path) {
    for (int i = 0; i < 500; i++) api.get(path);
    long[] took = new long[2000];
    for (int i = 0; i < took.length; i++) {
      long start = System.nanoTime();
      api.get(path);
      took[i] = System.nanoTime() - start;
    }
    return Percentiles.ofNanos(took);
  }

  /** REST turns every 100 ms (at most 60 s) until one succeeds: the time since {@code from}. */
  private static Future<Long> untilServed(
      Vertx vertx, ChatDriver driver, ChatDriver.Visitor v, AtomicLong turnNumber, long from) {
    if (System.nanoTime() - from > TimeUnit.SECONDS.toNanos(60))
      return Future.failedFuture("no turn succeeded within 60 s of the kill");
    return driver
        .restTurn(v, "Hola " + turnNumber.incrementAndGet())
        .map(d -> System.nanoTime() - from)
        .recover(
            err -> {
              io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
              vertx.setTimer(100, id -> later.complete());
              return later.future().compose(x -> untilServed(vertx, driver, v, turnNumber, from));
            });
  }

  /** The benchmark database's name, as its Postgres backends' titles show it. */
  private String databaseName() {
    return database.replaceFirst("^.*/([^/?]+)(\\?.*)?$", "$1");
  }

  /** Scripted engine on Postgres: turns per second with many sessions chatting back to back. */
  void throughput(int sessions, int seconds) throws Exception {
    try (JarProcess jar = jar(new JsonObject(), Map.of(), "-Xmx1g")) {
      Vertx vertx = Vertx.vertx();
      ChatDriver driver = new ChatDriver(vertx, jar.port(), "2026-11");
      List<ChatDriver.ChatSocket> sockets = open(driver, sessions);
      AtomicLong turns = new AtomicLong();
      FailedTurns failures = new FailedTurns();
      // Warm-up, not measured: until the JIT has compiled the turn's path, C2 takes a good part of
      // the CPU.
      long warmEnd =
          System.nanoTime()
              + TimeUnit.SECONDS.toNanos(Integer.getInteger("bench.warmupSeconds", 30));
      List<Future<Void>> warming = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets)
        warming.add(loop(vertx, socket, warmEnd, t -> {}, failures));
      await(Future.join(warming));
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      GatewayProfiler profile = GatewayProfiler.start(jar.pid(), "throughput");
      long commitsBefore = DatabaseStats.commits(database);
      String databaseName = databaseName();
      long[] cpuBefore = probe.cpuNanos(databaseName);
      long[] syscallsBefore = probe.syscalls(databaseName);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Void>> loops = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets)
        loops.add(loop(vertx, socket, end, t -> turns.incrementAndGet(), failures));
      long start = System.nanoTime();
      await(Future.join(loops));
      double elapsed = (System.nanoTime() - start) / 1e9;
      long[] cpuAfter = probe.cpuNanos(databaseName);
      long[] syscallsAfter = probe.syscalls(databaseName);
      long commits = DatabaseStats.commits(database) - commitsBefore;
      section(profile.stop(resultsDir()));
      results.put("throughput.sessions", sessions);
      results.put(
          "throughput.cpu_per_turn", GatewayProbe.cpuPerTurn(cpuBefore, cpuAfter, turns.get()));
      results.put(
          "throughput.syscalls_per_turn",
          GatewayProbe.syscallsPerTurn(syscallsBefore, syscallsAfter, turns.get()));
      results.put("throughput.turns_per_second", String.format("%.0f", turns.get() / elapsed));
      results.put("throughput.failed_turns", failures);
      results.put(
          "throughput.commits_per_turn",
          turns.get() == 0 ? "n/a" : String.format("%.2f", (double) commits / turns.get()));
      results.put("throughput.row_updates", DatabaseStats.updates(database));

      results.put("throughput.heap_now", GatewayProbe.mib(probe.heapNow()));
      results.put("throughput.rss", GatewayProbe.mib(probe.rss()));
      await(driver.close());
      await(vertx.close());
      jar.terminate();
    }
  }

  /** Sessions opened at once, by this process or by a client process. */
  static final int IDLE_BATCH = 250;

  /**
   * Open files a process keeps free below its limit while sessions are opened: the probe's
   * requests, jcmd's attach socket and the database pool need some (a gateway at its limit could
   * not be measured at all).
   */
  private static final int FILE_HEADROOM = 100;

  /**
   * Connected, idle sessions (consent given, socket open, hello answered, actor live) within a 1
   * GiB heap: how many, what each costs in heap after a full GC and in RSS, and what it holds (the
   * classes that grew between a histogram at half the sessions and one at all of them). Every
   * session is one socket at each end: the clients run in {@code bench.clientProcesses} processes
   * of their own (default: one per {@code bench.sessionsPerClient}, 15,000), or in this one with 0.
   * Sessions stop at the gateway's open-files limit ({@code bench.gatewayOpenFiles} tries to raise
   * it), and the per-session figures then say what a 1 GiB heap would hold.
   */
  void idle(int target) throws Exception {
    try (JarProcess jar = jar(new JsonObject(), Map.of(), "-Xmx1g")) {
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      long raise = Long.getLong("bench.gatewayOpenFiles", 0);
      if (raise > 0) results.put("idle.gateway_open_files_raise", probe.raiseOpenFiles(raise));
      long gatewayLimit = GatewayProbe.openFilesLimit(jar.pid());
      results.put("idle.gateway_open_files_limit", gatewayLimit);
      int perClient = Integer.getInteger("bench.sessionsPerClient", 15_000);
      int processes =
          Integer.getInteger("bench.clientProcesses", (target + perClient - 1) / perClient);
      long room = gatewayLimit - probe.openFiles() - FILE_HEADROOM;
      if (processes == 0) {
        long self = ProcessHandle.current().pid();
        room =
            Math.min(
                room,
                GatewayProbe.openFilesLimit(self) - GatewayProbe.openFiles(self) - FILE_HEADROOM);
      }
      int goal = (int) Math.max(0, Math.min(target, room));
      String stoppedBy =
          goal < target
              ? "the open-files limit ("
                  + gatewayLimit
                  + " for the gateway): "
                  + goal
                  + " sessions fit under it with "
                  + FILE_HEADROOM
                  + " files to spare"
              : "target reached";
      results.put("idle.client_processes", processes == 0 ? "none (this process)" : processes);
      long baseline = probe.heapAfterGc();
      long rssBaseline = probe.rss();
      GatewayProfiler profile = GatewayProfiler.start(jar.pid(), "idle.opening_first_half");
      try (IdleSessions sessions =
          processes == 0
              ? new InProcessSessions(jar.port())
              : new ClientProcessSessions(
                  jar.port(), (goal + processes - 1) / Math.max(1, processes))) {
        String failed = sessions.openUpTo(goal / 2);
        int atHalf = sessions.opened();
        section(profile.stop(resultsDir()));
        Map<String, long[]> halfHistogram = probe.classHistogram();
        long heapHalf = probe.heapAfterGc();
        long rssHalf = probe.rss();
        if (failed == null) failed = sessions.openUpTo(goal);
        if (failed != null) stoppedBy = failed;
        int opened = sessions.opened();
        Map<String, long[]> fullHistogram = probe.classHistogram();
        long loaded = probe.heapAfterGc();
        long rss = probe.rss();
        long perSession = opened == 0 ? 0 : (loaded - baseline) / opened;
        results.put("idle.connected_sessions", opened);
        results.put("idle.stopped_by", stoppedBy);
        results.put("idle.heap_baseline", GatewayProbe.mib(baseline));
        results.put("idle.heap_with_sessions", GatewayProbe.mib(loaded));
        results.put("idle.bytes_per_idle_session", perSession);
        if (opened > atHalf)
          results.put(
              "idle.bytes_per_idle_session_marginal",
              (loaded - heapHalf) / (opened - atHalf)
                  + " (between "
                  + atHalf
                  + " and "
                  + opened
                  + ")");
        results.put(
            "idle.rss", GatewayProbe.mib(rss) + " (" + GatewayProbe.mib(rssBaseline) + " before)");
        if (opened > 0) results.put("idle.rss_per_session", (rss - rssBaseline) / opened);
        if (opened > atHalf)
          results.put("idle.rss_per_session_marginal", (rss - rssHalf) / (opened - atHalf));
        if (perSession > 0 && opened < IDLE_SESSIONS_TARGET) {
          long heap = 1L << 30;
          results.put(
              "idle.extrapolated",
              String.format(
                  "not measured: %,d sessions would take %s of heap (%,d fill 1 GiB)",
                  IDLE_SESSIONS_TARGET,
                  GatewayProbe.mib(baseline + IDLE_SESSIONS_TARGET * perSession),
                  (heap - baseline) / perSession));
        }
        if (opened > atHalf)
          section(
              "--- idle: what one more idle session holds (gateway heap histograms at "
                  + atHalf
                  + " and "
                  + opened
                  + " sessions) ---\n"
                  + GatewayProbe.histogramDiff(halfHistogram, fullHistogram, opened - atHalf, 40));
      }
      jar.terminate();
    }
  }

  private static final int IDLE_SESSIONS_TARGET = 50_000;

  /** The idle phase's client side: sessions opened and held until closed. */
  private interface IdleSessions extends AutoCloseable {
    /** Opens sessions until {@code total} are open or one fails: null, or why it stopped. */
    String openUpTo(int total) throws Exception;

    int opened();

    @Override
    void close() throws java.io.IOException;
  }

  /** Idle sessions held by this process. */
  private static final class InProcessSessions implements IdleSessions {
    private final Vertx vertx = Vertx.vertx();
    private final ChatDriver driver;
    private final List<ChatDriver.ChatSocket> sockets = new ArrayList<>();

    InProcessSessions(int port) {
      driver = new ChatDriver(vertx, port, "2026-11");
    }

    @Override
    public String openUpTo(int total) {
      while (sockets.size() < total) {
        List<Future<ChatDriver.ChatSocket>> opening = new ArrayList<>();
        for (int i = 0; i < Math.min(IDLE_BATCH, total - sockets.size()); i++)
          opening.add(driver.visitor().compose(driver::connect));
        await(Future.join(opening).otherwiseEmpty());
        String failed = null;
        for (Future<ChatDriver.ChatSocket> f : opening) {
          if (f.succeeded()) sockets.add(f.result());
          else if (failed == null) failed = String.valueOf(f.cause());
        }
        if (failed != null) return failed;
      }
      return null;
    }

    @Override
    public int opened() {
      return sockets.size();
    }

    @Override
    public void close() {
      await(vertx.close());
    }
  }

  /**
   * Idle sessions held by client processes ({@link IdleClient}), each opening at most {@code
   * perProcess}: a process holds one socket per session, and its open files are limited too.
   */
  private static final class ClientProcessSessions implements IdleSessions {
    private final int port;
    private final int perProcess;
    private final List<Process> clients = new ArrayList<>();
    private int opened;

    ClientProcessSessions(int port, int perProcess) {
      this.port = port;
      this.perProcess = Math.max(1, perProcess);
    }

    @Override
    public String openUpTo(int total) throws Exception {
      while (opened < total) {
        int count = Math.min(perProcess, total - opened);
        long holdSeconds = Long.getLong("bench.clientHoldSeconds", 1800);
        Path log = Files.createTempFile("talia-bench-client-", ".log");
        List<String> command =
            new ArrayList<>(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + System.getProperty("bench.clientHeap", "768m"),
                    "-XX:+UseSerialGC",
                    "-cp",
                    classPath(),
                    IdleClient.class.getName(),
                    String.valueOf(port),
                    String.valueOf(count),
                    String.valueOf(holdSeconds)));
        Process client =
            new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        clients.add(client);
        java.io.BufferedReader out =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(
                    client.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        String line =
            java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        for (String l; (l = out.readLine()) != null; ) {
                          if (l.startsWith("opened ") || l.startsWith("stopped ")) return l;
                        }
                        return "stopped 0 the client process ended (see " + log + ")";
                      } catch (java.io.IOException e) {
                        return "stopped 0 " + e;
                      }
                    })
                .get(holdSeconds, TimeUnit.SECONDS);
        String[] words = line.split(" ", 3);
        opened += Integer.parseInt(words[1]);
        if (words[0].equals("stopped")) return words.length > 2 ? words[2] : line;
      }
      return null;
    }

    @Override
    public int opened() {
      return opened;
    }

    /** Each client ends when its stdin does (or, bounded, when its hold time is over). */
    @Override
    public void close() throws java.io.IOException {
      for (Process client : clients) client.getOutputStream().close();
      try {
        for (Process client : clients) {
          if (!client.waitFor(60, TimeUnit.SECONDS))
            client.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        clients.forEach(Process::destroyForcibly);
      }
    }
  }

  /**
   * This JVM's class path, for a client process: under {@code exec:java} the classes come from the
   * plugin's class loader, not from {@code java.class.path}.
   */
  private static String classPath() throws Exception {
    List<String> entries = new ArrayList<>();
    // The loader of these classes only: its parents (Maven's own) are not the project's.
    if (LoadBenchmark.class.getClassLoader() instanceof java.net.URLClassLoader urls) {
      for (java.net.URL url : urls.getURLs()) entries.add(Path.of(url.toURI()).toString());
    }
    return entries.isEmpty()
        ? System.getProperty("java.class.path")
        : String.join(java.io.File.pathSeparator, entries);
  }

  /** Live session actors (one message each, then idle): the heap each one costs. */
  void actors(int sessions) throws Exception {
    try (JarProcess jar = jar(new JsonObject(), Map.of(), "-Xmx1g")) {
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      Vertx vertx = Vertx.vertx();
      ChatDriver driver = new ChatDriver(vertx, jar.port(), "2026-11");
      List<ChatDriver.Visitor> visitors = new ArrayList<>();
      for (int done = 0; done < sessions; done += 200) {
        List<Future<ChatDriver.Visitor>> batch = new ArrayList<>();
        for (int i = 0; i < Math.min(200, sessions - done); i++) batch.add(driver.visitor());
        await(Future.all(batch));
        batch.forEach(f -> visitors.add(f.result()));
      }
      long baseline = probe.heapAfterGc();
      GatewayProfiler profile = GatewayProfiler.start(jar.pid(), "actors");
      for (int done = 0; done < visitors.size(); done += 200) {
        List<Future<Long>> batch = new ArrayList<>();
        for (ChatDriver.Visitor v : visitors.subList(done, Math.min(visitors.size(), done + 200))) {
          batch.add(driver.restTurn(v, "Hola"));
        }
        await(Future.all(batch));
      }
      section(profile.stop(resultsDir()));
      long loaded = probe.heapAfterGc();
      results.put("actors.live_session_actors", visitors.size());
      results.put("actors.bytes_per_live_actor", (loaded - baseline) / visitors.size());
      await(vertx.close());
      jar.terminate();
    }
  }

  private static List<ChatDriver.ChatSocket> open(ChatDriver driver, int sessions) {
    List<ChatDriver.ChatSocket> sockets = new ArrayList<>();
    for (int done = 0; done < sessions; done += 200) {
      List<Future<ChatDriver.ChatSocket>> batch = new ArrayList<>();
      for (int i = 0; i < Math.min(200, sessions - done); i++)
        batch.add(driver.visitor().compose(driver::connect));
      await(Future.all(batch));
      batch.forEach(f -> sockets.add(f.result()));
    }
    return sockets;
  }

  /** {@link #timedLoop}, started after a random part of a turn's length. */
  private static Future<Void> spreadLoop(
      Vertx vertx,
      java.util.Random spread,
      long turnMs,
      ChatDriver.ChatSocket socket,
      long endNanos,
      long recordFromNanos,
      AtomicLong turnNumber,
      Map<String, StreamTiming> modelTimes,
      java.util.Queue<long[]> overheads,
      FailedTurns failures) {
    Promise<Void> due = Promise.promise();
    vertx.setTimer(1 + spread.nextInt((int) Math.max(1, turnMs)), id -> due.complete());
    return due.future()
        .compose(
            v ->
                timedLoop(
                    socket,
                    endNanos,
                    recordFromNanos,
                    turnNumber,
                    modelTimes,
                    overheads,
                    failures));
  }

  /**
   * Turns back to back on one socket until {@code endNanos}; each sent from {@code recordFromNanos}
   * on adds {overhead, first-token overhead, before the model, the fake's handling} against the
   * fake's own times.
   */
  private static Future<Void> timedLoop(
      ChatDriver.ChatSocket socket,
      long endNanos,
      long recordFromNanos,
      AtomicLong turnNumber,
      Map<String, StreamTiming> modelTimes,
      java.util.Queue<long[]> overheads,
      FailedTurns failures) {
    if (System.nanoTime() >= endNanos) return Future.succeededFuture();
    String content = "Hola " + turnNumber.incrementAndGet();
    return socket
        .say(content)
        .transform(
            ar -> {
              StreamTiming model = modelTimes.remove(content);
              if (ar.succeeded() && model != null && model.toEnd() > 0) {
                if (ar.result().sentAt() - recordFromNanos >= 0)
                  overheads.add(
                      new long[] {
                        ar.result().completed() - model.toEnd(),
                        ar.result().firstDelta() - model.toFirstDelta(),
                        // of the first-token overhead, what came before the request reached the
                        // model
                        model.receivedAt() - ar.result().sentAt(),
                        // the fake's own reading, parsing and checking of it (not in the overhead)
                        model.handling()
                      });
              } else if ((ar.failed()
                      ? failures.add(ar.cause())
                      // completed, but the fake's timing for it is missing or unfinished
                      : failures.add(
                          model == null
                              ? "benchmark race: no model timing"
                              : "benchmark race: model timing unfinished"))
                  > 100) {
                return Future.failedFuture(
                    ar.failed()
                        ? ar.cause()
                        : new IllegalStateException("no model timing for " + content));
              }
              return timedLoop(
                  socket, endNanos, recordFromNanos, turnNumber, modelTimes, overheads, failures);
            });
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) TimeUnit.NANOSECONDS.sleep(left);
  }

  private static Future<Void> loop(
      Vertx vertx,
      ChatDriver.ChatSocket socket,
      long endNanos,
      java.util.function.Consumer<ChatDriver.Timing> onTurn,
      FailedTurns failures) {
    if (System.nanoTime() >= endNanos) return Future.succeededFuture();
    return socket
        .say("¿Qué precio tiene?")
        .transform(
            ar -> {
              if (ar.succeeded()) onTurn.accept(ar.result());
              else if (failures.add(ar.cause()) > 100) return Future.failedFuture(ar.cause());
              return loop(vertx, socket, endNanos, onTurn, failures);
            });
  }

  /** Text printed after the figures (profiles, histograms), in the order they were made. */
  private void section(String text) {
    if (text != null) sections.add(text);
  }

  /**
   * Where the figures go: {@code bench.resultsDir}, which the pom sets to the build directory's
   * bench-results ({@code -DbuildDir} moves it), else target/bench-results.
   */
  static Path resultsDir() {
    return Path.of(System.getProperty("bench.resultsDir", "target/bench-results"));
  }

  /**
   * The targets of README § Performance (issue 15), printed beside their figures: a key ending in
   * one of these names gets its target.
   */
  static final Map<String, String> TARGETS =
      Map.of(
          "first_token_overhead", "target p50 ≤ 1 ms, p99 ≤ 5 ms (at 20 and 100 sessions)",
          "cpu_per_turn", "target gateway ≤ 0.8 ms per 16-delta (openai) turn",
          "throughput.turns_per_second", "target ≥ 2,000 turns/s (scripted, on Postgres)",
          "idle.connected_sessions", "target ≥ 50,000 in a 1 GiB heap",
          "idle.bytes_per_idle_session", "target ≤ 20 KiB (20,480 bytes) all in",
          "idle.rss", "target: say what it is");

  static String target(String key) {
    if (key.startsWith("cluster.")) return null;
    for (Map.Entry<String, String> t : TARGETS.entrySet()) {
      String name = t.getKey();
      boolean qualified = name.contains(".");
      if (qualified ? key.equals(name) : key.startsWith("latency") && key.endsWith("." + name))
        return t.getValue();
    }
    return null;
  }

  private void print() throws Exception {
    StringBuilder out =
        new StringBuilder("\n=== TalIA webchat benchmark (")
            .append(Runtime.getRuntime().availableProcessors())
            .append(" cores) ===\n");
    results.forEach(
        (k, v) -> {
          String target = target(k);
          out.append(
              String.format("%-34s %s%s%n", k, v, target == null ? "" : "   [" + target + "]"));
        });
    for (String s : sections) out.append('\n').append(s);
    System.out.println(out);
    Path dir = resultsDir();
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("latest.txt"), out.toString());
  }
}
