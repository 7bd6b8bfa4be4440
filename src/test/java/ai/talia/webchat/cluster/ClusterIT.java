package ai.talia.webchat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.GatewayCluster;
import ai.talia.webchat.support.JarProcess;
import ai.talia.webchat.support.StreamClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 6: three copies of the packaged jar, each its own process, form one cluster on
 * loopback on one Postgres database. The scenarios share the cluster to keep the run short, in
 * order: they start with A, B and C; {@code kill -9} takes A, SIGTERM takes B, and D joins last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final String PRICE = "¿Qué precio tiene?";
  private GatewayCluster cluster;
  private JarProcess a;
  private JarProcess b;
  private JarProcess c;

  /** A failing scenario leaves every node's log and threads in the test's output file. */
  @RegisterExtension
  final TestWatcher printOutputsOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          if (cluster != null)
            System.out.println(
                context.getDisplayName() + " failed; " + cluster.outputs() + cluster.threadDumps());
        }
      };

  /** Sessions that got a command, so have a live actor somewhere (none goes idle in this test). */
  private final Set<String> activated = new HashSet<>();

  @BeforeAll
  void startCluster() throws Exception {
    JsonObject conf =
        new JsonObject()
            // Messages need no consent step here: the first command of a session is a message.
            .put("consent", new JsonObject().put("required", false))
            // Replies stream in ~25 ms chunks, so a node can be stopped in the middle of one.
            .put("scripted", new JsonObject().put("chunkChars", 10).put("chunkDelayMs", 25))
            .put(
                "limits",
                new JsonObject()
                    .put(
                        "ipRate",
                        new JsonObject().put("capacity", 100_000).put("refillPerMinute", 100_000)))
            .put("http", new JsonObject().put("maxConnectionsPerAddress", 0))
            .put("stream", new JsonObject().put("maxSocketsPerAddress", 0));
    cluster = new GatewayCluster(4, Map.of(), conf);
    List<JarProcess> three = cluster.start(3);
    a = three.get(0);
    b = three.get(1);
    c = three.get(2);
    awaitMembers(3, a, b, c);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  @Order(0)
  void clustered_mode_refuses_the_embedded_store_with_one_clear_message(@TempDir Path dir)
      throws Exception {
    JarProcess alone =
        JarProcess.launch(
            dir,
            JarProcess.freePort(),
            Map.of("TALIA_CLUSTER_MEMBERS", "127.0.0.1:" + JarProcess.freePort()),
            GatewayCluster.JVM.toArray(String[]::new));
    assertThat(alone.awaitExit(60)).isEqualTo(1);
    assertThat(alone.output())
        .contains("Clustered mode (TALIA_CLUSTER_MEMBERS) needs Postgres: set TALIA_DB_URL")
        .doesNotContain("Hazelcast");
  }

  @Test
  @Order(1)
  void the_nodes_log_their_identity_and_members_and_report_the_cluster() {
    for (JarProcess node : List.of(a, b, c)) {
      JsonObject ready = new Api(node.baseUrl()).get("/ready").json();
      assertThat(ready.getJsonObject("cluster").getInteger("members")).isEqualTo(3);
      assertThat(node.metric("talia_cluster_members")).isEqualTo(3);
      assertThat(node.output())
          .contains("joined the gateways' cluster")
          .contains(ready.getJsonObject("cluster").getString("node_id"));
    }
  }

  @Test
  @Order(2)
  void a_session_driven_alternately_through_three_nodes_keeps_a_gapless_seq_and_one_actor() {
    Api.Session s = newSession(a);
    List<JarProcess> nodes = List.of(a, b, c);
    for (int i = 0; i < 9; i++) {
      Api.Reply reply = api(nodes.get(i % 3)).say(s, PRICE + " " + i);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }
    JsonArray messages = history(c, s);
    assertThat(seqs(messages)).containsExactlyElementsOf(range(1, 18));
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      assertThat(m.getString("role")).isEqualTo(i % 2 == 0 ? "user" : "assistant");
      assertThat(m.getString("status")).isEqualTo("completed");
    }
    assertOneActorPerLiveSession();
  }

  @Test
  @Order(3)
  void twenty_concurrent_first_messages_spread_over_the_nodes_give_one_actor_and_one_reply_each()
      throws Exception {
    Api.Session s = newSession(a);
    List<JarProcess> nodes = List.of(a, b, c);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Api.Reply>> replies = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        int n = i;
        replies.add(
            pool.submit(
                () -> {
                  go.await();
                  return api(nodes.get(n % 3)).say(s, PRICE + " " + n, "first-" + n);
                }));
      }
      go.countDown();
      for (Future<Api.Reply> f : replies) {
        Api.Reply reply = f.get(120, TimeUnit.SECONDS);
        assertThat(reply.status()).as(reply.body() + cluster.outputs()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    JsonArray messages = history(b, s);
    assertThat(seqs(messages)).containsExactlyElementsOf(range(1, 40));
    Set<String> users = new HashSet<>();
    List<String> answered = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      if ("user".equals(m.getString("role"))) users.add(m.getString("id"));
      else answered.add(m.getString("reply_to"));
    }
    assertThat(users).hasSize(20);
    assertThat(answered).hasSize(20).doesNotHaveDuplicates();
    assertThat(new HashSet<>(answered)).isEqualTo(users);
    assertOneActorPerLiveSession();
  }

  @Test
  @Order(4)
  void a_socket_on_node_c_gets_the_streamed_reply_of_a_message_posted_to_node_a() {
    Api.Session s = newSession(a);
    assertThat(api(a).say(s, PRICE).status()).isEqualTo(200);
    try (StreamClient onC = StreamClient.connect(c.port(), null)) {
      onC.hello(s.id(), s.token(), 2);
      assertThat(onC.next().getString("type")).isEqualTo("ready");
      Api.Reply queued = async(a, s, "Hola", "on-a");
      assertThat(queued.status()).as(queued.body()).isEqualTo(202);
      List<JsonObject> frames = onC.until(StreamClient.type("reply.completed"));
      assertThat(frames).extracting(f -> f.getString("type")).contains("message", "typing");
      assertThat(frames.stream().filter(f -> "reply.delta".equals(f.getString("type"))).count())
          .isGreaterThan(2);
      assertThat(frames.get(frames.size() - 1).getJsonObject("message").getLong("seq"))
          .isEqualTo(4);
    }
    // Resume on yet another node: every stored message, in order, once.
    try (StreamClient onB = StreamClient.connect(b.port(), null)) {
      onB.hello(s.id(), s.token(), 0);
      assertThat(onB.next().getLong("last_seq")).isEqualTo(4);
      List<Long> replayed = new ArrayList<>();
      for (int i = 0; i < 4; i++) replayed.add(onB.next().getJsonObject("message").getLong("seq"));
      assertThat(replayed).containsExactly(1L, 2L, 3L, 4L);
    }
  }

  @Test
  @Order(5)
  void the_per_session_bucket_gives_the_same_allowance_with_three_nodes_as_with_one() {
    // limits.sessionRate: 20 at once, then 30 a minute. A burst of 30 gets 20 (one more if a
    // token refilled meanwhile), on one node or spread over three.
    int oneNode = burst(newSession(a), List.of(a));
    int threeNodes = burst(newSession(a), List.of(a, b, c));
    assertThat(oneNode).isBetween(20, 21);
    assertThat(threeNodes).isBetween(20, 21);
  }

  @Test
  @Order(6)
  void kill_minus_9_of_the_owner_mid_stream_then_the_resend_on_a_survivor_runs_once()
      throws Exception {
    Api.Session s = newSession(a);
    assertThat(api(a).say(s, PRICE).status()).isEqualTo(200); // its actor runs on A
    StreamClient onA = StreamClient.connect(a.port(), null);
    StreamClient onB = StreamClient.connect(b.port(), null);
    onA.hello(s.id(), s.token(), 2);
    onB.hello(s.id(), s.token(), 2);
    onA.next();
    onB.next();
    assertThat(async(a, s, "Hola", "cut-1").status()).isEqualTo(202);
    onB.until(StreamClient.type("reply.delta"));
    a.kill();
    long killed = System.nanoTime();

    // The socket whose session's actor died is told to move; the one on A just dropped.
    assertThat(onB.awaitClose()).isEqualTo((short) 1012);
    long moved = System.nanoTime();
    onB.close();
    onA.close();
    long lastSeen = 3; // the user message "Hola"
    try (StreamClient again = StreamClient.connect(b.port(), null)) {
      again.hello(s.id(), s.token(), lastSeen);
      JsonObject ready = again.next();
      System.out.printf(
          "kill -9: 1012 after %d ms, ready after %d ms more%n",
          TimeUnit.NANOSECONDS.toMillis(moved - killed),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - moved));
      assertThat(ready.getString("type")).isEqualTo("ready");
      assertThat(ready.containsKey("reply_id")).isFalse();
      // The cut message stays stored, failed, interrupted.
      JsonObject cut = history(c, s).getJsonObject(2);
      assertThat(cut.getString("client_message_id")).isEqualTo("cut-1");
      assertThat(cut.getString("status")).isEqualTo("failed");
      assertThat(cut.getString("error_code")).isEqualTo("interrupted");

      // Resent on another survivor, it runs once; the socket gets the reply.
      Api.Reply resent = api(c).say(s, "Hola", "cut-1");
      long served = System.nanoTime();
      assertThat(resent.status()).as(resent.body() + cluster.outputs()).isEqualTo(200);
      assertThat(TimeUnit.NANOSECONDS.toSeconds(served - killed)).isLessThan(10);
      JsonObject completed =
          again.until(StreamClient.type("reply.completed")).stream()
              .filter(StreamClient.type("reply.completed"))
              .findFirst()
              .orElseThrow();
      assertThat(completed.getJsonObject("message").getLong("seq")).isEqualTo(4);
    }
    JsonArray messages = history(b, s);
    assertThat(seqs(messages)).containsExactlyElementsOf(range(1, 4));
    assertThat(messages.getJsonObject(2).getString("status")).isEqualTo("completed");
    assertThat(messages.getJsonObject(3).getString("reply_to"))
        .isEqualTo(messages.getJsonObject(2).getString("id"));
    awaitMembers(2, b, c);
  }

  @Test
  @Order(7)
  void sigterm_mid_turn_lets_the_turn_finish_and_hands_the_session_over() throws Exception {
    Api.Session s = newSession(b);
    assertThat(api(b).say(s, PRICE).status()).isEqualTo(200); // its actor runs on B
    try (StreamClient onC = StreamClient.connect(c.port(), null)) {
      onC.hello(s.id(), s.token(), 2);
      onC.next();
      CompletableFuture<Api.Reply> viaC =
          CompletableFuture.supplyAsync(() -> api(c).say(s, "Hola", "during-sigterm"));
      onC.until(StreamClient.type("reply.delta"));
      assertThat(b.terminate()).isIn(0, 143);
      Api.Reply reply = viaC.get(60, TimeUnit.SECONDS);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      assertThat(reply.json().getJsonObject("reply").getLong("seq")).isEqualTo(4);
      // The socket got the whole reply; at most it is asked to reconnect afterwards.
      List<JsonObject> rest = new ArrayList<>();
      while (rest.stream().noneMatch(StreamClient.type("reply.completed")) && !onC.isClosed())
        rest.add(onC.next());
      assertThat(rest)
          .noneMatch(StreamClient.type("reply.failed"))
          .noneMatch(StreamClient.type("error"));
    }
    assertThat(history(c, s))
        .allSatisfy(m -> assertThat(((JsonObject) m).getString("status")).isEqualTo("completed"));
    // The session goes on at the survivor.
    assertThat(api(c).say(s, PRICE).status()).isEqualTo(200);
    assertThat(seqs(history(c, s))).containsExactlyElementsOf(range(1, 6));
    awaitMembers(1, c);
  }

  @Test
  @Order(8)
  void a_node_that_joins_later_takes_traffic_at_once() throws Exception {
    JarProcess d = cluster.start(1).get(0);
    awaitMembers(2, c, d);
    Api.Session s = newSession(d);
    try (StreamClient onC = StreamClient.connect(c.port(), null)) {
      onC.hello(s.id(), s.token(), 0);
      onC.next();
      assertThat(api(d).say(s, PRICE).status()).isEqualTo(200);
      assertThat(onC.until(StreamClient.type("reply.completed"))).isNotEmpty();
    }
    // A session whose actor runs on C, reached through D.
    Api.Session onCActor = newSession(c);
    assertThat(api(c).say(onCActor, PRICE).status()).isEqualTo(200);
    assertThat(api(d).say(onCActor, PRICE).status()).isEqualTo(200);
    assertThat(seqs(history(d, onCActor))).containsExactlyElementsOf(range(1, 4));
  }

  // --- helpers -----------------------------------------------------------------------------------

  private Api api(JarProcess node) {
    return new Api(node.baseUrl());
  }

  private Api.Session newSession(JarProcess node) {
    Api.Session s = api(node).newSession("es");
    activated.add(s.id());
    return s;
  }

  private Api.Reply async(JarProcess node, Api.Session s, String content, String cmid) {
    return api(node).sayAsync(s, content, cmid);
  }

  /** 30 messages as fast as they go, round-robin over {@code nodes}: how many were taken. */
  private int burst(Api.Session s, List<JarProcess> nodes) {
    int taken = 0;
    for (int i = 0; i < 30; i++) {
      Api.Reply r = async(nodes.get(i % nodes.size()), s, "Hola " + i, "burst-" + i);
      if (r.status() == 202) taken++;
      else assertThat(r.json().getString("code")).as(r.body()).isEqualTo("rate_limited");
    }
    return taken;
  }

  private JsonArray history(JarProcess node, Api.Session s) {
    Api.Reply r = api(node).history(s);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonArray("messages");
  }

  private static List<Long> seqs(JsonArray messages) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) out.add(messages.getJsonObject(i).getLong("seq"));
    return out;
  }

  private static List<Long> range(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> (long) i).toList();
  }

  /** The live actors over every node add up to the sessions that were talked to: one each. */
  private void assertOneActorPerLiveSession() {
    eventually(
        () -> cluster.sum("talia_session_actors_live") == activated.size(),
        () -> "actors " + cluster.sum("talia_session_actors_live") + " for " + activated.size());
  }

  private void awaitMembers(int count, JarProcess... nodes) {
    eventually(
        () -> List.of(nodes).stream().allMatch(n -> n.metric("talia_cluster_members") == count),
        () ->
            "members seen: "
                + List.of(nodes).stream().map(n -> n.metric("talia_cluster_members")).toList());
  }

  private static void eventually(Supplier<Boolean> condition, Supplier<String> what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) throw new AssertionError("never: " + what.get());
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
