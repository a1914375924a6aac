/**
 * Benchmarks of gapsync, never run by the test build ({@code ./mvnw verify} only compiles them).
 *
 * <ul>
 *   <li>{@link io.gapsync.perf.SyntheticStoreBench}: builds (once, cached) a store of a million
 *       small blobs and the inventory of a second site that holds most of them, for timing {@code
 *       gapsync inventory export} and {@code gapsync inventory missing} as a user runs them.
 *   <li>{@link io.gapsync.perf.DigestSetBenchmark} and {@link
 *       io.gapsync.perf.InventoryReadBenchmark}: JMH micro-benchmarks of the structures those
 *       commands rely on.
 * </ul>
 *
 * <p>{@code perf/run-benchmarks.sh} drives everything, side by side with the raw limit ({@code cp}
 * plus {@code sha256sum}) in one run; perf/README.md explains what is measured and records the
 * figures.
 */
package io.gapsync.perf;
