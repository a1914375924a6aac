package io.gapsync.daemon.registry;

/** Header names of the distribution spec that Netty does not define. */
final class Headers {

  /** The digest of the content served or stored. */
  static final String CONTENT_DIGEST = "Docker-Content-Digest";

  /** The id of an upload session. */
  static final String UPLOAD_UUID = "Docker-Upload-UUID";

  /** The subject of a manifest that was put (spec end-7, OCI 1.1). */
  static final String OCI_SUBJECT = "OCI-Subject";

  /** The filters a referrers listing applied (spec end-12b). */
  static final String OCI_FILTERS_APPLIED = "OCI-Filters-Applied";

  private Headers() {}
}
