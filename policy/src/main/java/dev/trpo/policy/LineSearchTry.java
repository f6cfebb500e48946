package dev.trpo.policy;

/**
 * One candidate of the backtracking line search: theta_old + coef * beta * x.
 *
 * @param coef      backtracking coefficient (1, shrink, shrink^2, ...)
 * @param surrogate surrogate at the candidate
 * @param klOldNew  mean KL(pi_old || pi_candidate)
 * @param klNewOld  mean KL(pi_candidate || pi_old)
 * @param accepted  whether the candidate met the convention's KL bound and improved the surrogate
 */
public record LineSearchTry(double coef, double surrogate, double klOldNew, double klNewOld, boolean accepted) {
}
