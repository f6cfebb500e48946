/** {@code trpo trainer}: runs one run's {@link dev.trpo.trainer.TrainerService} against a Kafka cluster. */
package dev.trpo.app.trainer;
