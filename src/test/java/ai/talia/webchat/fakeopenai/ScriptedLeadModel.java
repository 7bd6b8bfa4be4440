package ai.talia.webchat.fakeopenai;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's default model: a lead-capture assistant. It asks for name, email and phone, calls
 * {@code capture_lead} with whatever of them the visitor's message holds, and answers the tool's
 * result. Spanish, or English when the instructions say the locale is "en".
 */
public final class ScriptedLeadModel implements Function<ModelRequest, FakeReply> {
  private static final Pattern EMAIL =
      Pattern.compile("[^\\s@,;:<>()\"]+@[^\\s@,;:<>()\"]+\\.[A-Za-z]{2,}");
  private static final Pattern PHONE = Pattern.compile("\\+?\\d[\\d\\s().-]{6,}\\d");
  private static final Pattern NAME =
      Pattern.compile(
          "(?i)(?:me llamo|mi nombre es|my name is|i am|i'm|soy)\\s+([\\p{L}'-]+(?:\\s+[\\p{L}'-]+)?)");

  @Override
  public FakeReply apply(ModelRequest request) {
    boolean english =
        request.instructions() != null && request.instructions().contains("locale is en");
    if (!request.toolOutputs().isEmpty())
      return answerToolResult(request.toolOutputs().get(request.toolOutputs().size() - 1), english);
    String text = request.userText() == null ? "" : request.userText();
    String email = find(EMAIL, text, 0);
    String phone = find(PHONE, email == null ? text : text.replace(email, " "), 0);
    String name = find(NAME, text, 1);
    if (email != null || phone != null || name != null)
      return FakeReply.captureLead(name, email, phone);
    return FakeReply.text(
        english
            ? "Hi! I'm TalIA. So our team can contact you, could you tell me your name, email and phone?"
            : "¡Hola! Soy TalIA. Para que nuestro equipo te contacte, ¿me dices tu nombre, correo y teléfono?",
        4);
  }

  private static FakeReply answerToolResult(String output, boolean english) {
    JsonObject result;
    try {
      result = new JsonObject(output);
    } catch (DecodeException e) {
      result = new JsonObject().put("status", "error");
    }
    String reply =
        switch (result.getString("status", "error").toLowerCase(Locale.ROOT)) {
          case "stored" ->
              result.getBoolean("lead_complete", false)
                  ? (english
                      ? "Thanks! I've saved your details; our team will contact you soon."
                      : "¡Gracias! He guardado tus datos; nuestro equipo te contactará pronto.")
                  : (english
                      ? "Thanks! Could you also give me the details still missing?"
                      : "¡Gracias! ¿Me dejas también los datos que faltan?");
          case "invalid" ->
              english
                  ? "That detail doesn't look right, could you check it?"
                  : "Ese dato no parece válido, ¿puedes revisarlo?";
          case "consent_missing" ->
              english
                  ? "First I need you to accept the privacy policy."
                  : "Antes necesito que aceptes la política de privacidad.";
          default ->
              english
                  ? "Sorry, I couldn't save that. Shall we try again?"
                  : "Perdona, no he podido guardarlo. ¿Lo intentamos de nuevo?";
        };
    return FakeReply.text(reply, 3);
  }

  private static String find(Pattern pattern, String text, int group) {
    Matcher m = pattern.matcher(text);
    return m.find() ? m.group(group).trim() : null;
  }
}
