package io.gapsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;

/** Writes the {@code --json} form of query results: indented, stable key order, one document. */
final class JsonOutput {

  /** Digests and platforms print in their canonical string form, as everywhere else. */
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .registerModule(
              new com.fasterxml.jackson.databind.module.SimpleModule("gapsync")
                  .addSerializer(
                      io.gapsync.protocol.Digest.class,
                      com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance)
                  .addSerializer(
                      io.gapsync.protocol.Platform.class,
                      com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance));

  private JsonOutput() {}

  /** Writes a value (records, maps, lists) as JSON followed by a newline. */
  static void print(PrintWriter out, Object value) {
    try {
      out.println(MAPPER.writeValueAsString(value));
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("serialising output failed", e);
    }
  }
}
