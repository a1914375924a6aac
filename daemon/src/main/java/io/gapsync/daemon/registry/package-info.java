/**
 * The OCI Distribution registry over the store (issue 3): pull, push, discovery and management
 * routes of the OCI distribution spec v1.1, served by Netty.
 *
 * <p>The public API is {@link io.gapsync.daemon.registry.Registry} (start, address, close) and its
 * one configuration object {@link io.gapsync.daemon.registry.RegistryConfig}. Everything else is
 * package-private: small single-purpose Netty handlers composed by {@code RegistryInitializer}, the
 * route handlers, the upload sessions and the spec's error codes ({@code ErrorCode}).
 *
 * <p>The store is global and content-addressed: a manifest or blob fetched by digest is served from
 * any repository name, tags are per repository. See docs/REGISTRY.md.
 */
package io.gapsync.daemon.registry;
