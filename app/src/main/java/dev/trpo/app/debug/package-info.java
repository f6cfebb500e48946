/**
 * {@code trpo debug ...} subcommands: conformance checks of the project's mathematics against the golden files
 * (../shared/golden), e.g. {@link dev.trpo.app.debug.TrpoStepCommand}.
 */
package dev.trpo.app.debug;
