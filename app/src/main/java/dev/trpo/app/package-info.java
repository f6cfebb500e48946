/** The {@code trpo} command line: {@link dev.trpo.app.Main} and the subcommands it registers. */
package dev.trpo.app;
