/**
 * The gapsync protocol: content digests, the OCI data model (descriptors, manifests, indexes,
 * artifacts), and gapsync's own file formats (the inventory manifest).
 *
 * <p>This module depends on nothing else of gapsync's. Every value type validates once, at
 * creation, and has one canonical string form. Manifests are kept as their exact bytes; the parsers
 * here only read them, under explicit limits. See {@code docs/FORMAT.md}.
 */
package io.gapsync.protocol;
