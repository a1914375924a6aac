package io.gapsync.protocol;

/**
 * An OCI platform: operating system, architecture and optional variant, written {@code
 * os/arch[/variant]} as skopeo and docker do.
 *
 * @param os the operating system, e.g. {@code linux}
 * @param architecture the architecture, e.g. {@code amd64}
 * @param variant the variant, e.g. {@code v8}, or null
 */
public record Platform(String os, String architecture, String variant) {

  /** Validates the fields. */
  public Platform {
    if (os == null || os.isEmpty() || architecture == null || architecture.isEmpty()) {
      throw new IllegalArgumentException("Platform needs an os and an architecture");
    }
    if (variant != null && variant.isEmpty()) {
      variant = null;
    }
  }

  /**
   * Parses {@code os/arch[/variant]}.
   *
   * @param value the string
   * @return the platform
   * @throws IllegalArgumentException if malformed
   */
  public static Platform parse(String value) {
    String[] parts = value.split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw new IllegalArgumentException(
          "Invalid platform '"
              + value
              + "': expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64");
    }
    for (String p : parts) {
      if (p.isEmpty() || !p.matches("[a-z0-9._-]+")) {
        throw new IllegalArgumentException(
            "Invalid platform '" + value + "': parts must be lowercase letters, digits, . _ -");
      }
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
  }

  /**
   * Returns true if this platform (as requested by a user) selects the other (as listed in an
   * index). A request without a variant matches any variant.
   */
  public boolean selects(Platform listed) {
    return os.equals(listed.os)
        && architecture.equals(listed.architecture)
        && (variant == null || variant.equals(listed.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
