package io.gapsync.daemon.registry;

/**
 * The spec's error body: {@code {"errors":[{"code":"...","message":"...","detail":...}]}}
 * (distribution spec, "Error Codes"). The message is the code's summary; the detail says what was
 * tried and why it failed.
 */
final class ErrorBody {

  private ErrorBody() {}

  /** Renders the error JSON of a refused request. */
  static String json(RegistryException e) {
    return "{\"errors\":[{\"code\":"
        + JsonText.quote(e.code().name())
        + ",\"message\":"
        + JsonText.quote(e.code().summary())
        + ",\"detail\":"
        + JsonText.quote(String.valueOf(e.getMessage()))
        + "}]}";
  }
}
