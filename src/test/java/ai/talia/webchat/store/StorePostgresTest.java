package ai.talia.webchat.store;

import static ai.talia.webchat.support.RunningGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.talia.webchat.support.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class StorePostgresTest extends StoreContract {
  @Override
  TestDatabases.Kind kind() {
    return TestDatabases.Kind.POSTGRES;
  }

  /** Migration 11: a message's NULL keys cost no index entries, and pages keep room for updates. */
  @Test
  void a_message_enters_only_the_unique_indexes_whose_key_it_has() throws Exception {
    session("s-idx");
    StoredMessage asked = await(store.appendUserMessage(user("s-idx", 1, "c-1"), UNCLAIMED));
    await(store.appendReply(reply("s-idx", 2, asked.id()), 7, UNCLAIMED));

    try (Connection c = otherConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pageinspect");
      assertThat(indexEntries(s, "messages_pkey")).isEqualTo(2);
      assertThat(indexEntries(s, "messages_session_seq_uq")).isEqualTo(2);
      assertThat(indexEntries(s, "messages_session_client_id_uq")).isEqualTo(1);
      assertThat(indexEntries(s, "messages_reply_to_uq")).isEqualTo(1);
      try (ResultSet r =
          s.executeQuery(
              "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'messages'")) {
        r.next();
        assertThat(r.getString(1)).isEqualTo("fillfactor=80");
      }
    }
  }

  /** The entries of a B-tree that fits in one page: its root, block 1, is its only leaf. */
  private static int indexEntries(Statement s, String index) throws Exception {
    try (ResultSet r = s.executeQuery("SELECT count(*) FROM bt_page_items('" + index + "', 1)")) {
      r.next();
      return r.getInt(1);
    }
  }
}
