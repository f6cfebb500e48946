/**
 * {@code trpo chaos}: a fault-injection harness. It runs a real training run as separate OS processes (broker,
 * connector, stream processors, trainer), SIGKILLs them on a seeded schedule, restarts them with the same command
 * line, and then proves from the topics alone that no step was lost or duplicated and that the final policy is
 * byte-identical to the one of an uninterrupted run.
 *
 * <p>{@link dev.trpo.app.chaos.KillPlan} parses {@code --kills}; {@link dev.trpo.app.chaos.ChildProcess} is one
 * component's OS process; {@link dev.trpo.app.chaos.PolicyWatch} follows the policies topic;
 * {@link dev.trpo.app.chaos.PipelineRun} starts the processes and runs the schedule;
 * {@link dev.trpo.app.chaos.TopicAudit} reads every topic back and makes the checks;
 * {@link dev.trpo.app.chaos.ChaosReport} prints the table and writes the JSON report.
 */
package dev.trpo.app.chaos;
