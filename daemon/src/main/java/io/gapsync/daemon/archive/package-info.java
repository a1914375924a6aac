/**
 * The signed diff archive between a connected store and a site (docs/FORMAT.md section 4): {@link
 * io.gapsync.daemon.archive.ArchiveExporter} plans and writes an archive against a site's
 * inventory, {@link io.gapsync.daemon.archive.ArchiveImporter} verifies one and applies it to a
 * store. Refusals are {@link io.gapsync.daemon.archive.ArchiveRefusedException}s with a one-line
 * message; progress is reported through a {@link io.gapsync.daemon.archive.ProgressListener} so
 * that the command line can draw it and the daemon stays silent.
 */
package io.gapsync.daemon.archive;
