/**
 * The offline site's import daemon (docs/OPERATIONS.md, "The import daemon"): {@link
 * io.gapsync.daemon.spool.SpoolImporter} polls a spool folder, applies each complete archive and
 * files it under {@code applied/}, {@code quarantine/} or {@code rejected/} with a reason file,
 * then writes the site's (signed) inventory to the outbox with {@link
 * io.gapsync.daemon.spool.OutboxInventory}. Started by {@code gapsync serve --spool}.
 */
package io.gapsync.daemon.spool;
