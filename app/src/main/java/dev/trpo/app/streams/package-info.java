/** {@code trpo streams}: runs the stream processors of a run ({@link dev.trpo.streams.StreamsService}) with metrics and health. */
package dev.trpo.app.streams;
