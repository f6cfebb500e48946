/** {@code trpo watch}: a run's progress and learning curve, read back from its topics. */
package dev.trpo.app.watch;
