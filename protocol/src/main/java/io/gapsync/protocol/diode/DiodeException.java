package io.gapsync.protocol.diode;

import io.gapsync.protocol.ProtocolException;

/**
 * A diode frame or announcement that cannot be accepted: malformed, of another version, or with
 * parameters no receiver could honour. The message says which frame and why.
 */
public final class DiodeException extends ProtocolException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was read and why it was rejected
   */
  public DiodeException(String message) {
    // ProtocolException has no diode code: INVENTORY_INVALID's sibling JSON_INVALID would mislead,
    // SIZE_MISMATCH is the closest for "the bytes are not what the format says".
    super(Code.SIZE_MISMATCH, message);
  }
}
