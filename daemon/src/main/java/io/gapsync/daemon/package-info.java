/**
 * The gapsync daemon: the sync engine today; the OCI registry, import daemon and diode transport
 * come with later issues. Depends on {@code protocol} and {@code store}.
 */
package io.gapsync.daemon;
