package dev.trpo.policy;

/**
 * How the trust-region step is scaled and what the line search accepts (see ../shared/golden/README.md).
 */
public enum KlConvention {
    /**
     * The paper's: beta = sqrt(2 delta / x^T F x) with the undamped Fisher, accept when
     * mean KL(old || new) <= delta and the surrogate improved. The default.
     */
    PAPER,
    /**
     * sb3-contrib's: beta = sqrt(2 delta / x^T (F + damping I) x), accept when
     * mean KL(new || old) < delta (strict) and the surrogate improved.
     */
    SB3
}
