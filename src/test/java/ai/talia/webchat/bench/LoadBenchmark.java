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

  public static void main(String[] args) throws Exception {
    LoadBenchmark bench = new LoadBenchmark();
    String phases = System.getProperty("bench.phases", "latency,throughput,idle,actors");
    try {
      for (String phase : phases.split(",", -1)) {
        switch (phase.trim()) {
          case "latency" ->
              bench.latency(
                  Integer.getInteger("bench.latencySessions", 500),
                  Integer.getInteger("bench.seconds", 20),
                  Integer.getInteger("bench.firstTokenMs", 200),
                  Integer.getInteger("bench.tokenMs", 20),
                  Integer.getInteger("bench.tokens", 16));
          case "throughput" ->
              bench.throughput(
                  Integer.getInteger("bench.throughputSessions", 200),
                  Integer.getInteger("bench.seconds", 20));
          case "idle" -> bench.idle(Integer.getInteger("bench.idleSessions", 19_500));
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

  private static JarProcess jar(JsonObject conf, Map<String, String> env, String... jvm)
      throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("TALIA_DB_URL", postgres());
    all.putIfAbsent("TALIA_ENGINE", "scripted");
    // e.g. -Dbench.jvmArgs=-XX:StartFlightRecording=filename=/tmp/gateway.jfr,settings=profile to
    // profile the gateway
    List<String> args = new ArrayList<>(List.of(jvm));
    String extra = System.getProperty("bench.jvmArgs", "");
    if (!extra.isBlank()) args.addAll(List.of(extra.trim().split("\\s+")));
    return JarProcess.start(workDir(conf), all, args.toArray(String[]::new));
  }

  /**
   * The openai engine against the fake model with a fixed time to first token and time per token:
   * {@code sessions} visitors chat back to back over WebSocket. Overhead is what the gateway adds:
   * end to end minus the model's own time, and first delta minus the model's time to first token,
   * both as the fake really took them for that turn (it runs in this JVM, on the same clock).
   */
  void latency(int sessions, int seconds, int firstTokenMs, int tokenMs, int tokens)
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
              StreamTiming timing = new StreamTiming();
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
      AtomicLong failures = new AtomicLong();
      long warmEnd =
          System.nanoTime()
              + TimeUnit.SECONDS.toNanos(Integer.getInteger("bench.warmupSeconds", 30));
      List<Future<Void>> warming = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets) {
        warming.add(
            timedLoop(
                socket,
                warmEnd,
                turnNumber,
                modelTimes,
                new java.util.concurrent.ConcurrentLinkedQueue<>(),
                failures));
      }
      await(Future.join(warming));
      java.util.concurrent.ConcurrentLinkedQueue<long[]> overheads =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Void>> loops = new ArrayList<>();
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      long[] cpuBefore = probe.cpuNanos();
      long start = System.nanoTime();
      for (ChatDriver.ChatSocket socket : sockets) {
        loops.add(timedLoop(socket, end, turnNumber, modelTimes, overheads, failures));
      }
      await(Future.join(loops));
      double elapsed = (System.nanoTime() - start) / 1e9;
      long[] cpuAfter = probe.cpuNanos();
      long[] overhead = overheads.stream().mapToLong(o -> o[0]).toArray();
      long[] firstToken = overheads.stream().mapToLong(o -> o[1]).toArray();
      long[] beforeModel = overheads.stream().mapToLong(o -> o[2]).toArray();
      long[] afterModel = overheads.stream().mapToLong(o -> o[1] - o[2]).toArray();
      results.put("latency.active_sessions", sessions);
      results.put(
          "latency.fake_model",
          firstTokenMs + " ms to first token, " + tokens + " tokens, " + tokenMs + " ms each");
      results.put("latency.turns_per_second", String.format("%.0f", overhead.length / elapsed));
      results.put("latency.failed_turns", failures.get());
      results.put("latency.overhead_per_turn", Percentiles.ofNanos(overhead));
      results.put("latency.first_token_overhead", Percentiles.ofNanos(firstToken));
      // The same in two legs: the message sent until the model has its request, and the model's
      // first delta written until the visitor's socket has it.
      results.put("latency.first_token_before_model", Percentiles.ofNanos(beforeModel));
      results.put("latency.first_token_after_model", Percentiles.ofNanos(afterModel));
      results.put(
          "latency.cpu_per_turn",
          GatewayProbe.cpuPerTurn(cpuBefore, cpuAfter, overhead.length)
              .replace("driver", "driver+fake model"));
      // The gateway's own view: from the engine's start of a turn to its first text, and to its
      // end.
      results.put(
          "latency.gateway_mean_engine_first_token",
          probe.meanMs("talia_openai_first_token_seconds"));
      results.put(
          "latency.gateway_mean_engine_turn",
          probe.meanMs("talia_openai_turn_duration_seconds", "outcome=\"completed\""));
      results.put(
          "latency.gateway_mean_session_turn", probe.meanMs("talia_turn_duration_seconds", ""));
      results.put("latency.heap_now", GatewayProbe.mib(probe.heapNow()));
      results.put("latency.rss", GatewayProbe.mib(probe.rss()));
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
              StreamTiming timing = new StreamTiming();
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
            String.valueOf(sessions * 4));
    List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
    String extra = System.getProperty("bench.jvmArgs", "");
    if (!extra.isBlank()) jvm.addAll(List.of(extra.trim().split("\\s+")));
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
      AtomicLong failures = new AtomicLong();
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
                turnNumber,
                modelTimes,
                new java.util.concurrent.ConcurrentLinkedQueue<>(),
                failures));
      await(Future.join(warming));
      GatewayProbe probeA = new GatewayProbe(a.pid(), new Api(a.baseUrl()));
      GatewayProbe probeB = new GatewayProbe(b.pid(), new Api(b.baseUrl()));
      // The two groups take turns, two rounds each, so that neither gets the JIT's late work.
      Map<String, java.util.concurrent.ConcurrentLinkedQueue<long[]>> overheads = new HashMap<>();
      Map<String, long[]> cpu = new HashMap<>();
      Map<String, Double> elapsed = new HashMap<>();
      for (int round = 0; round < 4; round++) {
        String group = round % 2 == 0 ? "same_node" : "other_node";
        java.util.concurrent.ConcurrentLinkedQueue<long[]> measured =
            overheads.computeIfAbsent(
                group, g -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        long[] cpuA = probeA.cpuNanos();
        long[] cpuB = probeB.cpuNanos();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds / 2);
        long start = System.nanoTime();
        List<Future<Void>> loops = new ArrayList<>();
        for (ChatDriver.ChatSocket socket : round % 2 == 0 ? same : other)
          loops.add(timedLoop(socket, end, turnNumber, modelTimes, measured, failures));
        await(Future.join(loops));
        elapsed.merge(group, (System.nanoTime() - start) / 1e9, Double::sum);
        long[] cpuAfterA = probeA.cpuNanos();
        long[] cpuAfterB = probeB.cpuNanos();
        long[] spent = cpu.computeIfAbsent(group, g -> new long[3]);
        spent[0] += cpuAfterA[0] - cpuA[0];
        spent[1] += cpuAfterB[0] - cpuB[0];
        spent[2] += cpuAfterA[1] - cpuA[1];
      }
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
      results.put("cluster.failed_turns", failures.get());
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

  /** Scripted engine on Postgres: turns per second with many sessions chatting back to back. */
  void throughput(int sessions, int seconds) throws Exception {
    try (JarProcess jar = jar(new JsonObject(), Map.of(), "-Xmx1g")) {
      Vertx vertx = Vertx.vertx();
      ChatDriver driver = new ChatDriver(vertx, jar.port(), "2026-11");
      List<ChatDriver.ChatSocket> sockets = open(driver, sessions);
      AtomicLong turns = new AtomicLong();
      AtomicLong failures = new AtomicLong();
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
      long[] cpuBefore = probe.cpuNanos();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Void>> loops = new ArrayList<>();
      for (ChatDriver.ChatSocket socket : sockets)
        loops.add(loop(vertx, socket, end, t -> turns.incrementAndGet(), failures));
      long start = System.nanoTime();
      await(Future.join(loops));
      double elapsed = (System.nanoTime() - start) / 1e9;
      long[] cpuAfter = probe.cpuNanos();
      results.put("throughput.sessions", sessions);
      results.put(
          "throughput.cpu_per_turn", GatewayProbe.cpuPerTurn(cpuBefore, cpuAfter, turns.get()));
      results.put("throughput.turns_per_second", String.format("%.0f", turns.get() / elapsed));
      results.put("throughput.failed_turns", failures.get());

      results.put("throughput.heap_now", GatewayProbe.mib(probe.heapNow()));
      results.put("throughput.rss", GatewayProbe.mib(probe.rss()));
      await(driver.close());
      await(vertx.close());
      jar.terminate();
    }
  }

  /** Connected, idle sessions within a 1 GiB heap: how many, and what each costs. */
  void idle(int target) throws Exception {
    try (JarProcess jar = jar(new JsonObject(), Map.of(), "-Xmx1g")) {
      GatewayProbe probe = new GatewayProbe(jar.pid(), new Api(jar.baseUrl()));
      Vertx vertx = Vertx.vertx();
      ChatDriver driver = new ChatDriver(vertx, jar.port(), "2026-11");
      long baseline = probe.heapAfterGc();
      List<ChatDriver.ChatSocket> sockets = new ArrayList<>();
      String stoppedBy = "target reached";
      int batch = 250;
      while (sockets.size() < target) {
        List<Future<ChatDriver.ChatSocket>> opening = new ArrayList<>();
        for (int i = 0; i < Math.min(batch, target - sockets.size()); i++) {
          opening.add(driver.visitor().compose(driver::connect));
        }
        try {
          await(Future.all(opening));
        } catch (RuntimeException e) {
          // Usually the file-descriptor limit of one of the two processes (ulimit -n).
          opening.stream().filter(Future::succeeded).forEach(f -> sockets.add(f.result()));
          stoppedBy = String.valueOf(e.getCause() != null ? e.getCause() : e);
          break;
        }
        opening.forEach(f -> sockets.add(f.result()));
      }
      long loaded = probe.heapAfterGc();
      results.put("idle.connected_sessions", sockets.size());
      results.put("idle.stopped_by", stoppedBy);
      results.put("idle.heap_baseline", GatewayProbe.mib(baseline));
      results.put("idle.heap_with_sessions", GatewayProbe.mib(loaded));
      results.put(
          "idle.bytes_per_idle_session",
          sockets.isEmpty() ? 0 : (loaded - baseline) / sockets.size());
      results.put("idle.rss", GatewayProbe.mib(probe.rss()));
      await(vertx.close());
      jar.terminate();
    }
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
      for (int done = 0; done < visitors.size(); done += 200) {
        List<Future<Long>> batch = new ArrayList<>();
        for (ChatDriver.Visitor v : visitors.subList(done, Math.min(visitors.size(), done + 200))) {
          batch.add(driver.restTurn(v, "Hola"));
        }
        await(Future.all(batch));
      }
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

  /**
   * Turns back to back on one socket; each adds {overhead, first-token overhead} against the fake's
   * own times.
   */
  private static Future<Void> timedLoop(
      ChatDriver.ChatSocket socket,
      long endNanos,
      AtomicLong turnNumber,
      Map<String, StreamTiming> modelTimes,
      java.util.Queue<long[]> overheads,
      AtomicLong failures) {
    if (System.nanoTime() >= endNanos) return Future.succeededFuture();
    String content = "Hola " + turnNumber.incrementAndGet();
    return socket
        .say(content)
        .transform(
            ar -> {
              StreamTiming model = modelTimes.remove(content);
              if (ar.succeeded() && model != null && model.toEnd() > 0) {
                overheads.add(
                    new long[] {
                      ar.result().completed() - model.toEnd(),
                      ar.result().firstDelta() - model.toFirstDelta(),
                      // of the first-token overhead, what came before the model had the request
                      model.receivedAt() - ar.result().sentAt()
                    });
              } else if (failures.incrementAndGet() > 100) {
                return Future.failedFuture(
                    ar.failed()
                        ? ar.cause()
                        : new IllegalStateException("no model timing for " + content));
              }
              return timedLoop(socket, endNanos, turnNumber, modelTimes, overheads, failures);
            });
  }

  private static Future<Void> loop(
      Vertx vertx,
      ChatDriver.ChatSocket socket,
      long endNanos,
      java.util.function.Consumer<ChatDriver.Timing> onTurn,
      AtomicLong failures) {
    if (System.nanoTime() >= endNanos) return Future.succeededFuture();
    return socket
        .say("¿Qué precio tiene?")
        .transform(
            ar -> {
              if (ar.succeeded()) onTurn.accept(ar.result());
              else if (failures.incrementAndGet() > 100) return Future.failedFuture(ar.cause());
              return loop(vertx, socket, endNanos, onTurn, failures);
            });
  }

  private void print() throws Exception {
    StringBuilder out =
        new StringBuilder("\n=== TalIA webchat benchmark (")
            .append(Runtime.getRuntime().availableProcessors())
            .append(" cores) ===\n");
    results.forEach((k, v) -> out.append(String.format("%-34s %s%n", k, v)));
    System.out.println(out);
    Path dir = Path.of("target/bench-results");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("latest.txt"), out.toString());
  }
}
