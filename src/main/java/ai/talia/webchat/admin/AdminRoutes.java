package ai.talia.webchat.admin;

import io.vertx.ext.web.Router;

/**
 * A group of admin endpoints. {@link AdminApi} mounts each group after {@link AdminAccess}, so a
 * group's handlers only ever run for a caller holding the admin token. Paths are absolute and start
 * with {@link AdminApi#PREFIX}.
 */
@FunctionalInterface
public interface AdminRoutes {
  void mount(Router router);
}
