package ai.talia.webchat.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What build this is: the project's version, written into the jar by Maven. */
public final class BuildInfo {
  private static final String VERSION = load();

  private BuildInfo() {}

  /** The pom's version (e.g. {@code 0.1.0-SNAPSHOT}), or {@code dev} outside a Maven build. */
  public static String version() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in =
        BuildInfo.class.getResourceAsStream("/ai/talia/webchat/build.properties")) {
      if (in == null) return "dev";
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "dev");
      return v.startsWith("${") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }
}
