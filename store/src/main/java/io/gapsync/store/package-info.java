/**
 * The content-addressed gapsync store, kept in RocksDB, with the bytes of large blobs in plain
 * files beside it.
 *
 * <p>{@link io.gapsync.store.Store} is the one entry point. Blobs are streamed in chunks (or, from
 * {@link io.gapsync.store.StoreOptions#fileThresholdBytes()} on, into a file renamed into place)
 * and become visible in one atomic write once their digest has been verified; manifests are kept as
 * their exact bytes with a reverse index (content to the manifests that use it) and a referrers
 * index (subject to the artifacts that refer to it); tags map repository and tag to a manifest.
 * {@link io.gapsync.store.Store#gc()} and {@link io.gapsync.store.Store#fsck()} keep it clean and
 * verified. The column families and key encodings are documented in {@code docs/FORMAT.md}.
 *
 * <p>Public signatures use JDK and gapsync protocol types only; RocksDB stays inside.
 */
package io.gapsync.store;
