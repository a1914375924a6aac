package io.gapsync.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.PrettyPrinter;
import java.io.IOException;

/**
 * Lays an inventory out canonically: objects and arrays one member per line, indented by two spaces
 * per level, except that an object inside an array (an inventory entry) is written on one line
 * without spaces, so that a million-entry list reads and diffs as a million lines. Line ends are LF
 * on every platform. Empty containers are written {@code {}} and {@code []}.
 */
final class InventoryPrettyPrinter implements PrettyPrinter {

  private static final String INDENT = "  ";

  @Override
  public void writeRootValueSeparator(JsonGenerator gen) throws IOException {
    gen.writeRaw('\n');
  }

  @Override
  public void writeStartObject(JsonGenerator gen) throws IOException {
    gen.writeRaw('{');
  }

  @Override
  public void beforeObjectEntries(JsonGenerator gen) throws IOException {
    if (!isEntry(gen.getOutputContext())) {
      newLine(gen, depth(gen));
    }
  }

  @Override
  public void writeObjectFieldValueSeparator(JsonGenerator gen) throws IOException {
    gen.writeRaw(isEntry(gen.getOutputContext()) ? ":" : ": ");
  }

  @Override
  public void writeObjectEntrySeparator(JsonGenerator gen) throws IOException {
    gen.writeRaw(',');
    if (!isEntry(gen.getOutputContext())) {
      newLine(gen, depth(gen));
    }
  }

  @Override
  public void writeEndObject(JsonGenerator gen, int nrOfEntries) throws IOException {
    if (nrOfEntries > 0 && !isEntry(gen.getOutputContext())) {
      newLine(gen, depth(gen) - 1);
    }
    gen.writeRaw('}');
  }

  @Override
  public void writeStartArray(JsonGenerator gen) throws IOException {
    gen.writeRaw('[');
  }

  @Override
  public void beforeArrayValues(JsonGenerator gen) throws IOException {
    newLine(gen, depth(gen));
  }

  @Override
  public void writeArrayValueSeparator(JsonGenerator gen) throws IOException {
    gen.writeRaw(',');
    newLine(gen, depth(gen));
  }

  @Override
  public void writeEndArray(JsonGenerator gen, int nrOfValues) throws IOException {
    if (nrOfValues > 0) {
      newLine(gen, depth(gen) - 1);
    }
    gen.writeRaw(']');
  }

  /** An object directly inside an array is an inventory entry, written on one line. */
  private static boolean isEntry(JsonStreamContext context) {
    return context.inObject() && context.getParent() != null && context.getParent().inArray();
  }

  /** The nesting depth of the container being written: 1 for the document's object. */
  private static int depth(JsonGenerator gen) {
    return gen.getOutputContext().getNestingDepth();
  }

  private static void newLine(JsonGenerator gen, int level) throws IOException {
    gen.writeRaw('\n');
    for (int i = 0; i < level; i++) {
      gen.writeRaw(INDENT);
    }
  }
}
