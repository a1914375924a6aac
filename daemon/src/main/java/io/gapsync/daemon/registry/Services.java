package io.gapsync.daemon.registry;

import io.gapsync.store.Store;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the route handlers share: the store (not owned: the caller of {@link Registry} closes it),
 * the configuration, the open upload sessions, the push leases, the clock, and the operational
 * state (metrics, readiness, request ids).
 *
 * @param store the store
 * @param config the configuration
 * @param sessions the open upload sessions
 * @param leases the leases pinning pushed content until its manifest arrives
 * @param clock the clock sessions and leases expire by
 * @param metrics the counters and gauges behind {@code /metrics}
 * @param readiness what {@code /readyz} answers
 * @param requestIds the ids given to requests
 */
record Services(
    Store store,
    RegistryConfig config,
    UploadSessions sessions,
    PushLeases leases,
    Clock clock,
    RegistryMetrics metrics,
    Readiness readiness,
    RequestIds requestIds) {

  /** Creates the shared state of one registry. */
  static Services create(Store store, RegistryConfig config, Clock clock) {
    return new Services(
        store,
        config,
        new UploadSessions(store, config.maxUploadSessions(), config.uploadSessionTimeout(), clock),
        new PushLeases(store, config.uploadSessionTimeout(), clock),
        clock,
        new RegistryMetrics(),
        new Readiness(store),
        new RequestIds(RequestIds.prefixOf(ThreadLocalRandom.current().nextLong())));
  }

  /** Cancels every upload session and releases every lease (before the store closes). */
  void close() {
    sessions.closeAll();
    leases.closeAll();
  }
}
