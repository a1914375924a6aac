package io.gapsync.daemon.diode;

import io.gapsync.protocol.Digest;
import java.util.List;

/**
 * An object the sender finished sending (its last pass, or the catalogue says so) that the receiver
 * could not complete: what is missing and the loss measured. Nothing of it was published; its
 * partial state stays, so a later send completes it.
 *
 * @param name the object's file name (from the announcement or the catalogue)
 * @param digest its sha256
 * @param size its size in bytes
 * @param blocks its block count, or -1 if no announcement arrived
 * @param missingBlocks the blocks that are short of symbols, ascending
 * @param shortBy for each missing block, how many more symbols it needed
 * @param loss the loss measured on the link, as text ("1203 of 160000 datagrams (0.75 %)")
 * @param spoolPath where the partial state lies, or null if none
 */
public record DiodeReport(
    String name,
    Digest digest,
    long size,
    int blocks,
    List<Integer> missingBlocks,
    List<Integer> shortBy,
    String loss,
    String spoolPath) {

  /** Returns the report as text: the first line a summary, then the details. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append("Tried to receive ")
        .append(name)
        .append(" (")
        .append(digest)
        .append(", ")
        .append(size)
        .append(" bytes) over the diode but failed because ");
    if (blocks < 0) {
      b.append("not one datagram of it arrived (only the catalogue named it)");
    } else {
      b.append(missingBlocks.size())
          .append(" of ")
          .append(blocks)
          .append(" blocks are beyond repair");
    }
    b.append("; loss measured: ").append(loss).append(". Nothing was published");
    if (spoolPath != null) {
      b.append("; the partial object in ").append(spoolPath).append(" completes");
    } else {
      b.append("; it arrives");
    }
    b.append(" if the sender sends it again (more --passes, or send it again).\n");
    if (!missingBlocks.isEmpty()) {
      b.append("missing blocks: ").append(ranges(missingBlocks)).append('\n');
      for (int i = 0; i < missingBlocks.size(); i++) {
        b.append("block ")
            .append(missingBlocks.get(i))
            .append(": ")
            .append(shortBy.get(i))
            .append(" more symbols needed\n");
      }
    }
    return b.toString();
  }

  /** Formats ascending integers as ranges: "3, 7-9, 12". */
  static String ranges(List<Integer> values) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < values.size()) {
      int j = i;
      while (j + 1 < values.size() && values.get(j + 1) == values.get(j) + 1) {
        j++;
      }
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(values.get(i));
      if (j > i) {
        b.append('-').append(values.get(j));
      }
      i = j + 1;
    }
    return b.toString();
  }
}
