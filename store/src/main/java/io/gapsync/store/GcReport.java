package io.gapsync.store;

/**
 * What a garbage collection removed.
 *
 * @param manifestsRemoved manifests that no tag, referrer or lease reached
 * @param blobsRemoved blobs that no kept manifest referenced
 * @param bytesRemoved the bytes of those blobs
 * @param orphanContentRemoved chunk sets of abandoned or failed uploads
 * @param manifestsKept manifests kept
 * @param blobsKept blobs kept
 */
public record GcReport(
    long manifestsRemoved,
    long blobsRemoved,
    long bytesRemoved,
    long orphanContentRemoved,
    long manifestsKept,
    long blobsKept) {}
