package ai.talia.webchat.store;

import io.vertx.core.Future;
import java.util.function.Function;

/** One store operation sent to the persistence verticle, and its outcome sent back. */
record StoreCall(Function<Store, Future<?>> operation) {

  record Outcome(Object value, Throwable failure) {}
}
