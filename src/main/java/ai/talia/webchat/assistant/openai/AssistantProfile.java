package ai.talia.webchat.assistant.openai;

import ai.talia.webchat.assistant.Turn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The assistant as configured in {@code conf/assistant/}: its instructions (a template with {@code
 * {{locale}}}, {@code {{page_url}}} and {@code {{today}}}) and its function tools in the Responses
 * shape. Only tools this engine runs may be declared, so the model has no tool that reads data.
 */
final class AssistantProfile {
  static final Set<String> KNOWN_TOOLS = Set.of(LeadTool.NAME);
  private static final int MAX_PAGE_URL_CHARS = 300;

  private final String instructionsTemplate;
  private final JsonArray tools;

  AssistantProfile(String instructionsTemplate, JsonArray tools) {
    this.instructionsTemplate = instructionsTemplate;
    this.tools = tools.copy();
    for (Object entry : tools) {
      if (!(entry instanceof JsonObject tool)
          || !"function".equals(tool.getString("type"))
          || !KNOWN_TOOLS.contains(tool.getString("name"))) {
        throw new IllegalArgumentException(
            "conf/assistant/tools.json may only declare the function tools "
                + KNOWN_TOOLS
                + ", found: "
                + entry);
      }
    }
  }

  static AssistantProfile load(String instructionsFile, String toolsFile) {
    String template = read(instructionsFile);
    JsonArray tools;
    try {
      tools = new JsonArray(read(toolsFile));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Cannot read the assistant's tools (" + toolsFile + "): " + e.getMessage(), e);
    }
    return new AssistantProfile(template, tools);
  }

  /**
   * The instructions for one turn. The page URL comes from the visitor, so it is reduced to one
   * short line.
   */
  String instructions(Turn turn, LocalDate today) {
    String pageUrl = turn.pageContext() == null ? null : turn.pageContext().getString("page_url");
    return instructionsTemplate
        .replace("{{locale}}", turn.locale() == null ? "" : turn.locale())
        .replace("{{page_url}}", oneLine(pageUrl))
        .replace("{{today}}", today.toString());
  }

  /** Function tools as the Responses API takes them (flat). */
  JsonArray responsesTools() {
    return tools.copy();
  }

  /** The same tools in the Chat Completions shape ({@code function} nested). */
  JsonArray chatCompletionsTools() {
    JsonArray out = new JsonArray();
    for (Object entry : tools) {
      JsonObject tool = (JsonObject) entry;
      JsonObject function = new JsonObject().put("name", tool.getString("name"));
      if (tool.containsKey("description"))
        function.put("description", tool.getString("description"));
      if (tool.containsKey("parameters"))
        function.put("parameters", tool.getJsonObject("parameters").copy());
      if (tool.containsKey("strict")) function.put("strict", tool.getBoolean("strict"));
      out.add(new JsonObject().put("type", "function").put("function", function));
    }
    return out;
  }

  private static String oneLine(@Nullable String value) {
    if (value == null) return "(unknown)";
    String clean =
        value.replaceAll("[\\p{Cntrl}\\s]+", " ").replace("{{", "").replace("}}", "").trim();
    if (clean.length() > MAX_PAGE_URL_CHARS) clean = clean.substring(0, MAX_PAGE_URL_CHARS);
    return clean.isEmpty() ? "(unknown)" : clean;
  }

  /** A file path as given, else the same path inside the jar (conf/ is packaged). */
  private static String read(String file) {
    try {
      Path path = Path.of(file);
      if (Files.isRegularFile(path)) return Files.readString(path, StandardCharsets.UTF_8);
      try (InputStream in =
          AssistantProfile.class
              .getClassLoader()
              .getResourceAsStream(file.replaceFirst("^\\./", ""))) {
        if (in == null)
          throw new IllegalStateException(file + " is neither a file nor on the classpath");
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
