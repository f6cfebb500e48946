/**
 * The {@code trpo env} commands: {@code list} shows the registered environments, {@code trace} prints or
 * checks step-by-step trajectories in the golden format. The logic lives in {@code dev.trpo.connectors.env}.
 */
package dev.trpo.app.env;
