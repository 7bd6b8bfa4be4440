package ai.talia.webchat.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Gives the Vert.x JDBC pool connections that return to auto-commit after a transaction ends.
 *
 * <p>vertx-jdbc-client 5.0.10 ends a transaction with {@code commit()} (or {@code rollback()}) and
 * then, in a {@code finally}, {@code setAutoCommit(false)} instead of {@code true}. The pooled
 * connection stays in manual-commit, so every later statement outside a transaction — a plain
 * update, or a read — runs in an implicit transaction that nobody commits: its writes stay
 * invisible and hold their row locks until the connection's next transaction happens to commit
 * them, and a process that dies first loses them. This wrapper turns that one {@code
 * setAutoCommit(false)}, the one right after a commit or rollback, into {@code true}; a
 * transaction's own {@code setAutoCommit(false)} at its start is left alone.
 */
final class AutoCommitRestoringDataSource implements DataSource {
  private final DataSource target;

  AutoCommitRestoringDataSource(DataSource target) {
    this.target = target;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return restoring(target.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return restoring(target.getConnection(username, password));
  }

  private static Connection restoring(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new Restoring(connection));
  }

  private static final class Restoring implements InvocationHandler {
    private final Connection connection;
    private boolean justEnded;

    Restoring(Connection connection) {
      this.connection = connection;
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args)
        throws Throwable {
      String name = method.getName();
      Object[] arguments = args == null ? new Object[0] : args;
      if (name.equals("setAutoCommit") && arguments.length == 1) {
        boolean restore = justEnded && Boolean.FALSE.equals(arguments[0]);
        justEnded = false;
        if (restore) arguments = new Object[] {true};
      } else if (name.equals("commit") || name.equals("rollback")) {
        justEnded = arguments.length == 0;
      }
      try {
        return method.invoke(connection, arguments);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  @Override
  public @Nullable PrintWriter getLogWriter() throws SQLException {
    return target.getLogWriter();
  }

  @Override
  public void setLogWriter(@Nullable PrintWriter out) throws SQLException {
    target.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    target.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return target.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return target.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return target.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return target.isWrapperFor(type);
  }
}
