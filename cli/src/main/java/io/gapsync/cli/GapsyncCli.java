package io.gapsync.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code gapsync} command: keeps an air-gapped site supplied with OCI images and artifacts.
 *
 * <p>Exit codes: 0 success, 1 failure (the message says what and why), 2 usage error. A failure
 * prints one line; {@code --stacktrace} adds the stack trace.
 */
@Command(
    name = "gapsync",
    mixinStandardHelpOptions = true,
    versionProvider = GapsyncCli.Version.class,
    description = "Keeps an air-gapped Kubernetes site supplied with OCI images and artifacts.",
    subcommands = {
      AddCommand.class,
      SyncCommand.class,
      GetCommand.class,
      LsCommand.class,
      RmCommand.class,
      GcCommand.class,
      FsckCommand.class,
      InventoryCommand.class,
      ServeCommand.class,
      KeyCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      DiodeCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class GapsyncCli implements Runnable {

  @Option(
      names = "--stacktrace",
      description = "Print the stack trace of a failure.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean stacktrace;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing command: choose one of the commands below");
  }

  /** Runs the CLI and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs the CLI without exiting (tests).
   *
   * @param args the arguments
   * @param out standard output
   * @param err standard error
   * @return the exit code
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** Builds the command line with gapsync's error handling. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new GapsyncCli());
    cl.setExecutionExceptionHandler(new ShortErrors());
    cl.setParameterExceptionHandler(new ShortUsage());
    reflow(cl);
    return cl;
  }

  /**
   * Joins each paragraph of every command's description (source lines up to a blank one) into one
   * line, so picocli wraps it to the usage width as prose instead of wrapping each source line on
   * its own (which left a short line after every long one). Lines that start with a space stay as
   * they are.
   */
  private static void reflow(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    List<String> out = new ArrayList<>();
    StringBuilder paragraph = new StringBuilder();
    for (String line : spec.usageMessage().description()) {
      if (line.isBlank() || line.startsWith(" ")) {
        if (paragraph.length() > 0) {
          out.add(paragraph.toString());
          paragraph.setLength(0);
        }
        out.add(line);
      } else {
        paragraph.append(paragraph.length() > 0 ? " " : "").append(line.strip());
      }
    }
    if (paragraph.length() > 0) {
      out.add(paragraph.toString());
    }
    spec.usageMessage().description(out.toArray(String[]::new));
    for (CommandLine sub : cl.getSubcommands().values()) {
      reflow(sub);
    }
  }

  /** Prints a failure as one line (the stack trace only with --stacktrace); exit code 1. */
  static final class ShortErrors implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
      PrintWriter err = cl.getErr();
      err.println("gapsync: error: " + message(e));
      if (wantsStacktrace(parsed)) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    }

    private static boolean wantsStacktrace(ParseResult parsed) {
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        if (p.hasMatchedOption("--stacktrace")) {
          return true;
        }
      }
      return false;
    }

    private static String message(Throwable e) {
      String m = e.getMessage();
      if (m == null || m.isBlank()) {
        return e.getClass().getSimpleName()
            + (e.getCause() != null ? ": " + message(e.getCause()) : "");
      }
      if (e instanceof java.nio.file.NoSuchFileException) {
        return "no such file or folder: " + m;
      }
      if (e instanceof java.nio.file.AccessDeniedException) {
        return "permission denied: " + m;
      }
      return m;
    }
  }

  /** Prints a usage error as one line plus the synopsis; exit code 2. */
  static final class ShortUsage implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
      CommandLine cl = e.getCommandLine();
      PrintWriter err = cl.getErr();
      err.println("gapsync: " + e.getMessage());
      // One line, however many options the command has (the help wraps it; a usage error not).
      err.println("Usage: " + cl.getHelp().synopsis(0).trim().replaceAll("\\s*\\R\\s*", " "));
      err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
      err.flush();
      return 2;
    }
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = GapsyncCli.class.getPackage().getImplementationVersion();
      return new String[] {"gapsync " + (v == null ? "development build" : v)};
    }
  }
}
