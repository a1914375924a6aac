/**
 * The {@code docker://} transport: a client for registries that speak the OCI distribution API
 * (anonymous, basic and bearer-token auth, retries, resumable blob downloads) and an {@link
 * io.gapsync.cli.transport.ImageSource} over it. Used by {@code gapsync add docker://REF} and by
 * {@code gapsync sync}. Depends on the JDK's {@code java.net.http} client and on {@code protocol}
 * only; see docs/SYNC.md.
 */
package io.gapsync.cli.registry;
