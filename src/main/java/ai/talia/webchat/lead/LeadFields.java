package ai.talia.webchat.lead;

/** Lead data as an engine heard it: untrusted, any field may be null (not given this time). */
public record LeadFields(String name, String email, String phone) {

  public boolean isEmpty() {
    return name == null && email == null && phone == null;
  }
}
