/**
 * The gapsync command line (picocli): one class per subcommand, each a {@code Callable<Integer>},
 * with shared options as mixins. Commands wire the protocol, store and transport code together;
 * they hold no logic of their own beyond argument handling and output.
 */
package io.gapsync.cli;
