package ai.talia.webchat.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.config.ConfigKeys;
import ai.talia.webchat.support.Api;
import ai.talia.webchat.support.RunningGateway;
import ai.talia.webchat.support.TestDatabases;
import org.junit.jupiter.api.Test;

/**
 * The admin page over real HTTP: served at /admin under the landing's CSP when an admin token is
 * set, and absent, like the whole admin side, when none is.
 */
class AdminPageTest {
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  @Test
  void
      with_an_admin_token_the_page_its_script_and_its_stylesheet_are_served_under_the_strict_csp() {
    try (RunningGateway g =
        RunningGateway.start(
            TestDatabases.Kind.EMBEDDED, c -> c.with(ConfigKeys.ADMIN_TOKEN, "page-token-1"))) {
      Api api = new Api(g.baseUrl());
      Api.Reply page = api.get("/admin");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.header("Content-Security-Policy")).isEqualTo(CSP);
      assertThat(page.header("Cache-Control")).isEqualTo("no-store");
      assertThat(page.body())
          .contains("<script src=\"/admin/admin.js\" defer></script>")
          .contains("<link rel=\"stylesheet\" href=\"/admin/admin.css\" />")
          .doesNotContain("<style")
          .doesNotContain("style=");
      Api.Reply js = api.get("/admin/admin.js");
      assertThat(js.status()).isEqualTo(200);
      assertThat(js.header("Content-Type")).contains("javascript");
      assertThat(js.header("Content-Security-Policy")).isEqualTo(CSP);
      Api.Reply css = api.get("/admin/admin.css");
      assertThat(css.status()).isEqualTo(200);
      assertThat(css.header("Content-Type")).startsWith("text/css");
      assertThat(api.get("/admin/").body()).isEqualTo(page.body());
    }
  }

  @Test
  void without_an_admin_token_there_is_no_admin_page() {
    try (RunningGateway g = RunningGateway.start(TestDatabases.Kind.EMBEDDED)) {
      Api api = new Api(g.baseUrl());
      for (String path :
          new String[] {"/admin", "/admin/", "/admin/index.html", "/admin/admin.js"}) {
        assertThat(api.get(path).status()).as(path).isEqualTo(404);
      }
      assertThat(api.get("/").status()).isEqualTo(200);
    }
  }
}
