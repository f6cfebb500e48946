package dev.trpo.policy;

/**
 * What one {@link TrpoUpdater#update} did, in the terms TRPO users look at.
 *
 * @param klOldNew          mean KL(pi_old || pi_new) of the accepted step (0 when rejected)
 * @param klNewOld          mean KL(pi_new || pi_old) of the accepted step (0 when rejected)
 * @param surrogateBefore   surrogate L(theta_old) = mean(A * exp(logp_old - logp_behaviour))
 * @param surrogateAfter    surrogate at the returned parameters (= before when rejected)
 * @param lineSearchSteps   number of line-search candidates evaluated
 * @param accepted          whether a step was taken
 * @param rejectReason      null when accepted; otherwise why ("line-search-exhausted", "non-positive-curvature",
 *                          "non-finite", "zero-gradient")
 * @param cgIterations      conjugate-gradient iterations run
 * @param cgResidual        final squared residual norm |r|^2 of CG
 * @param entropy           mean policy entropy at theta_old
 * @param valueLossBefore   critic mean squared error before fitting
 * @param valueLossAfter    critic mean squared error after fitting
 * @param explainedVariance 1 - Var(targets - V_before) / Var(targets), with the critic before fitting (as sb3)
 * @param gradNorm          Euclidean norm of the surrogate gradient g
 * @param stepSize          Euclidean norm of theta_new - theta_old (0 when rejected)
 */
public record UpdateStats(double klOldNew, double klNewOld, double surrogateBefore, double surrogateAfter,
                          int lineSearchSteps, boolean accepted, String rejectReason, int cgIterations,
                          double cgResidual, double entropy, double valueLossBefore, double valueLossAfter,
                          double explainedVariance, double gradNorm, double stepSize) {
}
