package ai.talia.webchat.session;

import ai.talia.webchat.assistant.AssistantEngine;
import ai.talia.webchat.cluster.ClusterNode;
import ai.talia.webchat.lead.LeadService;
import ai.talia.webchat.store.Store;
import org.jspecify.annotations.Nullable;

/** What every session actor of a JVM shares; {@code cluster} is null when the JVM runs alone. */
public record SessionServices(
    SessionSettings settings,
    LimitsSettings limits,
    ConsentSettings consent,
    Store store,
    AssistantEngine engine,
    LeadService leads,
    SessionMetrics metrics,
    DailyTokenBudget budget,
    @Nullable ClusterNode cluster) {}
