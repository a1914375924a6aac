package io.gapsync.store;

/**
 * Counts of what a store holds.
 *
 * @param blobs number of blobs
 * @param blobBytes their total size
 * @param manifests number of manifests
 * @param manifestBytes their total size
 * @param tags number of tags
 * @param repositories number of repositories with at least one tag
 */
public record StoreStats(
    long blobs, long blobBytes, long manifests, long manifestBytes, long tags, long repositories) {}
