package io.gapsync.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the CLI in-process and captures its output.
 *
 * @param exitCode the exit code
 * @param out standard output
 * @param err standard error
 */
record CliRun(int exitCode, String out, String err) {

  /** Runs {@code gapsync ARGS --store STORE}. */
  static CliRun withStore(Path store, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--store");
    all.add(store.toString());
    return run(all.toArray(String[]::new));
  }

  /** Runs {@code gapsync ARGS}. */
  static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = GapsyncCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
