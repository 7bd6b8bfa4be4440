package ai.talia.webchat.admin;

import ai.talia.webchat.http.Responses;
import ai.talia.webchat.problem.ApiProblem;
import ai.talia.webchat.problem.ProblemCode;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * Mounts the admin API on a router: {@link AdminAccess} first, then every {@link AdminRoutes}
 * group, then a 404 for any other admin path, so an admin request ends here and never reaches the
 * widget's {@code /api/*} chain. Mount it before that chain.
 */
public final class AdminApi {
  /** Every admin path starts with this. */
  public static final String PREFIX = "/api/admin/";

  private final AdminAccess access;
  private final List<AdminRoutes> groups;

  public AdminApi(AdminAccess access, List<AdminRoutes> groups) {
    this.access = access;
    this.groups = List.copyOf(groups);
  }

  public AdminAccess access() {
    return access;
  }

  public void mount(Router router) {
    router.route(PREFIX + "*").handler(access);
    for (AdminRoutes group : groups) group.mount(router);
    router
        .route(PREFIX + "*")
        .handler(
            ctx ->
                Responses.problem(
                    ctx,
                    ApiProblem.of(
                        ProblemCode.NOT_FOUND, "No resource at " + ctx.request().path())));
  }
}
