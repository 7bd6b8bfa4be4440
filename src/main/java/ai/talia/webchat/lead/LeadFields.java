package ai.talia.webchat.lead;

import org.jspecify.annotations.Nullable;

/** Lead data as an engine heard it: untrusted, any field may be null (not given this time). */
public record LeadFields(@Nullable String name, @Nullable String email, @Nullable String phone) {

  public boolean isEmpty() {
    return name == null && email == null && phone == null;
  }
}
