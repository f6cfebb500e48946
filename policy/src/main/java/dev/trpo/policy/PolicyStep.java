package dev.trpo.policy;

import java.util.List;

/**
 * Everything one trust-region policy step computed, for reports and conformance checks.
 *
 * @param surrogateBefore   L(theta_old)
 * @param gradNorm          |g|
 * @param cg                the conjugate-gradient outcome
 * @param xFx               x^T F x (undamped)
 * @param xAx               x^T (F + damping I) x
 * @param beta              the step scale sqrt(2 delta / denominator) of the convention (NaN if not reached)
 * @param tries             every line-search candidate in order (unmodifiable)
 * @param acceptedIteration index of the accepted try, -1 when none
 * @param rejectReason      null when accepted, else why the parameters were left unchanged
 * @param surrogateAfter    L at the returned parameters
 * @param klOldNew          mean KL(old || new) at the returned parameters
 * @param klNewOld          mean KL(new || old) at the returned parameters
 * @param stepSize          |theta_new - theta_old|
 * @param entropy           mean entropy at theta_old
 */
public record PolicyStep(double surrogateBefore, double gradNorm, ConjugateGradient.Result cg, double xFx, double xAx,
                         double beta, List<LineSearchTry> tries, int acceptedIteration, String rejectReason,
                         double surrogateAfter, double klOldNew, double klNewOld, double stepSize, double entropy) {
    /** True when a candidate was accepted and the parameters moved. */
    public boolean accepted() {
        return acceptedIteration >= 0;
    }
}
