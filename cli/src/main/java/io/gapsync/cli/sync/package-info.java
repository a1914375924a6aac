/**
 * Sync sets: the YAML file ({@code kind: SyncSet}) that says which images, Helm charts and files
 * {@code gapsync sync} mirrors from upstream registries, parsed and validated once with errors that
 * name file, line and field ({@link io.gapsync.cli.sync.SyncSetParser}), and the tag filters
 * (regex, semver ranges, newest N) it applies. Reference: docs/SYNC.md.
 */
package io.gapsync.cli.sync;
