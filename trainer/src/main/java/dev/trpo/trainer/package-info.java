/**
 * The trainer: consumes a run's segments ({@code read_committed}), collects batches in canonical order, performs
 * trust-region updates ({@link dev.trpo.policy.TrpoUpdater}) and publishes each new {@code PolicySnapshot} together
 * with the consumed offsets in one Kafka transaction. Entry point: {@link dev.trpo.trainer.TrainerService};
 * configuration: {@link dev.trpo.trainer.TrainerSettings} and {@link dev.trpo.trainer.Hyperparameters} (defaults and
 * per-environment presets in {@code presets.properties}); metric names: {@link dev.trpo.trainer.TrainerMetrics}.
 */
package dev.trpo.trainer;
