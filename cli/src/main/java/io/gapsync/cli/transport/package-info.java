/**
 * Reading and writing images in skopeo's local transports, independently of the store: {@code
 * oci:DIR[:REF]}, {@code oci-archive:FILE[:REF]} and {@code docker-archive:FILE[:REF]} as sources,
 * {@code oci:DIR[:TAG]} and {@code oci-archive:FILE[:TAG]} as sinks. {@link
 * io.gapsync.cli.transport.TransportRef} parses the user's string and opens either side.
 *
 * <p>Every reader treats its input as hostile: JSON documents are size-bounded and parsed with
 * {@link io.gapsync.protocol.Json}; tar archives are read in place with commons-compress {@code
 * TarFile} (nothing is extracted) and refuse absolute names, {@code ..}, links, devices and
 * duplicates; layout directories refuse symbolic links on the path to a blob. Blobs are streamed,
 * never held in the heap; manifests are verified against their descriptors before they are
 * returned.
 *
 * <p>Errors: structural and I/O problems of a transport (missing files, unsafe archive entries,
 * unknown references) are {@link io.gapsync.cli.transport.TransportException}s with a stable code;
 * content that fails validation (digest or size mismatch, malformed JSON or manifest) raises the
 * protocol module's {@link io.gapsync.protocol.ProtocolException}. Both messages say what was
 * tried, on which file, and what to do.
 *
 * <p>Sinks publish atomically: blobs are staged and moved into place after verification, {@code
 * index.json} and the archive file appear only on {@link
 * io.gapsync.cli.transport.ImageSink#commit}.
 */
package io.gapsync.cli.transport;
