package ai.talia.webchat.support;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several copies of the packaged jar forming one cluster on loopback, on one fresh Postgres
 * database: each its own process, with its own HTTP, Hazelcast and event-bus ports (chosen free).
 * Every planned node is in every node's member list from the start, so a node started later joins
 * the others.
 */
public final class GatewayCluster implements AutoCloseable {
  /** Small heaps and C1 only: several gateways share two cores with everything else. */
  public static final List<String> JVM = List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final String dbUrl;
  private final List<Integer> hazelcastPorts = new ArrayList<>();
  private final Map<String, String> env;
  private final JsonObject conf;
  private final List<JarProcess> nodes = new ArrayList<>();
  private final List<String> jvm;

  /**
   * @param planned how many nodes may ever run (started now or later)
   * @param env extra TALIA_* variables of every node
   * @param conf a conf/talia.json of every node's working directory
   */
  public GatewayCluster(int planned, Map<String, String> env, JsonObject conf) {
    this(planned, env, conf, JVM);
  }

  /** With these JVM flags for every node instead of {@link #JVM}. */
  public GatewayCluster(int planned, Map<String, String> env, JsonObject conf, List<String> jvm) {
    this.jvm = List.copyOf(jvm);
    this.dbUrl = TestDatabases.freshPostgres();
    for (int i = 0; i < planned; i++) hazelcastPorts.add(JarProcess.freePort());
    this.env = env;
    this.conf = conf;
  }

  public String dbUrl() {
    return dbUrl;
  }

  /** Starts the next {@code count} planned nodes at once and waits until each is ready. */
  public List<JarProcess> start(int count, String... extraJvm) throws Exception {
    List<JarProcess> started = new ArrayList<>();
    for (int i = 0; i < count; i++) started.add(launch(extraJvm));
    ExecutorService waiting = Executors.newFixedThreadPool(count);
    try {
      List<Future<JarProcess>> ready = new ArrayList<>();
      for (JarProcess node : started) ready.add(waiting.submit(node::awaitReady));
      for (Future<JarProcess> f : ready) f.get();
    } finally {
      waiting.shutdownNow();
    }
    return started;
  }

  private JarProcess launch(String... extraJvm) throws Exception {
    int index = nodes.size();
    if (index >= hazelcastPorts.size())
      throw new IllegalStateException("only " + hazelcastPorts.size() + " nodes were planned");
    Path dir = Files.createTempDirectory("talia-cluster-" + index + "-");
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/talia.json"), conf.encodePrettily());
    Map<String, String> all = new HashMap<>(env);
    all.put("TALIA_DB_URL", dbUrl);
    all.putIfAbsent("TALIA_ENGINE", "scripted");
    all.put("TALIA_HTTP_HOST", "127.0.0.1");
    all.put("TALIA_CLUSTER_HOST", "127.0.0.1");
    all.put("TALIA_CLUSTER_PORT", String.valueOf(hazelcastPorts.get(index)));
    all.put("TALIA_CLUSTER_BUS_PORT", String.valueOf(JarProcess.freePort()));
    all.put(
        "TALIA_CLUSTER_MEMBERS",
        String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(List.of(extraJvm));
    JarProcess node =
        JarProcess.launch(dir, JarProcess.freePort(), all, flags.toArray(String[]::new));
    nodes.add(node);
    return node;
  }

  /** Every node started so far, dead ones included, in start order. */
  public List<JarProcess> nodes() {
    return List.copyOf(nodes);
  }

  public List<JarProcess> alive() {
    return nodes.stream().filter(JarProcess::isAlive).toList();
  }

  /** The sum of one metric over the live nodes. */
  public double sum(String sample) {
    return alive().stream().mapToDouble(n -> n.metric(sample)).sum();
  }

  /** Every node's output, for a failing test's message. */
  public String outputs() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++)
      out.append("\n--- node ").append(i).append(" ---\n").append(nodes.get(i).output());
    return out.toString();
  }

  /** Every live node's threads, for a test that gave up waiting on one. */
  public String threadDumps() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++)
      if (nodes.get(i).isAlive())
        out.append("\n--- threads of node ")
            .append(i)
            .append(" ---\n")
            .append(nodes.get(i).threadDump());
    return out.toString();
  }

  @Override
  public void close() {
    nodes.forEach(JarProcess::close);
  }
}
