package io.gapsync.daemon.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The registry's metrics, rendered in the Prometheus text exposition format 0.0.4 for {@code
 * /metrics}. Thread-safe: counters are {@link LongAdder}s bumped from every event loop.
 *
 * <p>Written by hand rather than with {@code io.prometheus:prometheus-metrics-core}: version 1.10.0
 * declares {@code prometheus-metrics-annotations} 1.10.0, which Maven Central does not have, so the
 * library did not resolve here (docs/REGISTRY.md). The format needs a few lines: {@code # HELP} and
 * {@code # TYPE} per family, then one sample per line. Label values come from fixed sets (route
 * kinds, normalized methods, status codes), so they never need escaping.
 *
 * <p>The store gauges are set by a background refresh ({@link Registry}), never computed per
 * scrape: counting the store walks it. Until the first refresh they have no sample.
 */
final class RegistryMetrics {

  /** The content type of the text exposition format. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** One series of the request counter. */
  record RequestKey(String route, String method, int status) {}

  private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
  private final LongAdder receivedBytes = new LongAdder();
  private final LongAdder sentBytes = new LongAdder();
  private volatile long[] storeCounts;
  private final List<Supplier<String>> sources = new CopyOnWriteArrayList<>();

  /** Counts one answered request. */
  void request(String route, String method, int status) {
    requests
        .computeIfAbsent(new RequestKey(route, method, status), k -> new LongAdder())
        .increment();
  }

  /** Adds request body bytes read. */
  void received(long bytes) {
    receivedBytes.add(bytes);
  }

  /** Adds response body bytes written. */
  void sent(long bytes) {
    sentBytes.add(bytes);
  }

  /** Sets the store gauges (from the background refresh). */
  void storeCounts(long blobs, long blobBytes) {
    storeCounts = new long[] {blobs, blobBytes};
  }

  /** Adds families rendered by another component of the daemon (e.g. the diode outbox sender). */
  void addSource(Supplier<String> families) {
    sources.add(families);
  }

  /** Returns the count of one request series (tests). */
  long requests(String route, String method, int status) {
    LongAdder a = requests.get(new RequestKey(route, method, status));
    return a == null ? 0 : a.sum();
  }

  /**
   * Renders every metric.
   *
   * @param inFlight registry requests being served now
   * @param uploadSessions upload sessions open now
   * @return the exposition text, series in a stable order
   */
  String render(int inFlight, int uploadSessions) {
    StringBuilder b = new StringBuilder(2048);
    family(
        b,
        "gapsync_registry_requests_total",
        "counter",
        "Requests answered, by route, method and status.");
    List<Map.Entry<RequestKey, LongAdder>> series = new ArrayList<>(requests.entrySet());
    series.sort(
        (x, y) -> {
          RequestKey a = x.getKey();
          RequestKey c = y.getKey();
          int r = a.route().compareTo(c.route());
          r = r != 0 ? r : a.method().compareTo(c.method());
          return r != 0 ? r : Integer.compare(a.status(), c.status());
        });
    for (Map.Entry<RequestKey, LongAdder> e : series) {
      RequestKey k = e.getKey();
      b.append("gapsync_registry_requests_total{route=\"")
          .append(k.route())
          .append("\",method=\"")
          .append(k.method())
          .append("\",status=\"")
          .append(k.status())
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    sample(
        b,
        "gapsync_registry_received_bytes_total",
        "counter",
        "Request body bytes read.",
        receivedBytes.sum());
    sample(
        b,
        "gapsync_registry_sent_bytes_total",
        "counter",
        "Response body bytes written.",
        sentBytes.sum());
    sample(
        b,
        "gapsync_registry_requests_in_flight",
        "gauge",
        "Registry requests received and not yet answered.",
        inFlight);
    sample(
        b,
        "gapsync_registry_upload_sessions",
        "gauge",
        "Open blob upload sessions.",
        uploadSessions);
    long[] store = storeCounts;
    family(b, "gapsync_store_blobs", "gauge", "Blobs the store holds (refreshed periodically).");
    if (store != null) {
      b.append("gapsync_store_blobs ").append(store[0]).append('\n');
    }
    family(
        b,
        "gapsync_store_blob_bytes",
        "gauge",
        "Total size of the blobs the store holds (refreshed periodically).");
    if (store != null) {
      b.append("gapsync_store_blob_bytes ").append(store[1]).append('\n');
    }
    for (Supplier<String> s : sources) {
      b.append(s.get());
    }
    return b.toString();
  }

  private static void family(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder b, String name, String type, String help, long value) {
    family(b, name, type, help);
    b.append(name).append(' ').append(value).append('\n');
  }
}
