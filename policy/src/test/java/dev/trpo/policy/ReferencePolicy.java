package dev.trpo.policy;

/**
 * A deliberately straightforward, allocation-happy reference of the actor maths, written independently of the
 * batch kernels: per-sample forward with fresh arrays, per-output-unit backprop for Jacobians, dense J^T M J.
 * Used only by tests.
 */
final class ReferencePolicy {
    final int[] sizes;
    final Activation act;
    final boolean discrete;
    final int outDim;
    final int mlpCount;
    final int paramCount;

    ReferencePolicy(int[] sizes, Activation act, boolean discrete) {
        this.sizes = sizes;
        this.act = act;
        this.discrete = discrete;
        this.outDim = sizes[sizes.length - 1];
        int c = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            c += sizes[l] * sizes[l + 1] + sizes[l + 1];
        }
        this.mlpCount = c;
        this.paramCount = c + (discrete ? 0 : outDim);
    }

    private double f(double z) {
        return switch (act) {
            case TANH -> Math.tanh(z);
            case RELU -> Math.max(0, z);
            case IDENTITY -> z;
        };
    }

    private double df(double z) {
        return switch (act) {
            case TANH -> 1 - Math.tanh(z) * Math.tanh(z);
            case RELU -> z > 0 ? 1 : 0;
            case IDENTITY -> 1;
        };
    }

    /** pre-activations z[l] and activations a[l] (a[0] = x). */
    double[][][] forward(double[] theta, double[] x) {
        int layers = sizes.length - 1;
        double[][] a = new double[layers + 1][];
        double[][] z = new double[layers + 1][];
        a[0] = x.clone();
        int off = 0;
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            z[l + 1] = new double[nout];
            a[l + 1] = new double[nout];
            for (int j = 0; j < nout; j++) {
                double s = theta[off + nin * nout + j];
                for (int i = 0; i < nin; i++) {
                    s += theta[off + j * nin + i] * a[l][i];
                }
                z[l + 1][j] = s;
                a[l + 1][j] = l == layers - 1 ? s : f(s);
            }
            off += nin * nout + nout;
        }
        return new double[][][] {z, a};
    }

    double[] output(double[] theta, double[] x) {
        double[][][] za = forward(theta, x);
        return za[1][sizes.length - 1];
    }

    /** d(sum_k dOut_k * out_k)/dtheta over the MLP part (length paramCount, log-std entries 0). */
    double[] backprop(double[] theta, double[] x, double[] dOut) {
        double[][][] za = forward(theta, x);
        double[][] z = za[0];
        double[][] a = za[1];
        int layers = sizes.length - 1;
        int[] offs = new int[layers];
        int off = 0;
        for (int l = 0; l < layers; l++) {
            offs[l] = off;
            off += sizes[l] * sizes[l + 1] + sizes[l + 1];
        }
        double[] grad = new double[paramCount];
        double[] delta = dOut.clone();
        for (int l = layers - 1; l >= 0; l--) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            for (int j = 0; j < nout; j++) {
                grad[offs[l] + nin * nout + j] += delta[j];
                for (int i = 0; i < nin; i++) {
                    grad[offs[l] + j * nin + i] += delta[j] * a[l][i];
                }
            }
            if (l > 0) {
                double[] prev = new double[nin];
                for (int i = 0; i < nin; i++) {
                    double s = 0;
                    for (int j = 0; j < nout; j++) {
                        s += theta[offs[l] + j * nin + i] * delta[j];
                    }
                    prev[i] = s * df(z[l][i]);
                }
                delta = prev;
            }
        }
        return grad;
    }

    /** The Jacobian of the outputs w.r.t. the parameters [outDim][paramCount] (log-std columns 0). */
    double[][] jacobian(double[] theta, double[] x) {
        double[][] jac = new double[outDim][];
        for (int k = 0; k < outDim; k++) {
            double[] e = new double[outDim];
            e[k] = 1;
            jac[k] = backprop(theta, x, e);
        }
        return jac;
    }

    double logStd(double[] theta, int k) {
        return DiagonalGaussian.clampLogStd(theta[mlpCount + k]);
    }

    double[] logSoftmax(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - m);
        }
        double[] out = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            out[k] = z[k] - m - Math.log(s);
        }
        return out;
    }

    double logProb(double[] theta, double[] x, double[] a) {
        double[] out = output(theta, x);
        if (discrete) {
            return logSoftmax(out)[(int) a[0]];
        }
        double s = 0;
        for (int k = 0; k < outDim; k++) {
            double ls = logStd(theta, k);
            double d = a[k] - out[k];
            s += -d * d / (2 * Math.exp(2 * ls)) - ls - 0.5 * Math.log(2 * Math.PI);
        }
        return s;
    }

    /** KL(pi_p(.|x) || pi_q(.|x)). */
    double kl(double[] thetaP, double[] thetaQ, double[] x) {
        double[] op = output(thetaP, x);
        double[] oq = output(thetaQ, x);
        double s = 0;
        if (discrete) {
            double[] lp = logSoftmax(op);
            double[] lq = logSoftmax(oq);
            for (int k = 0; k < outDim; k++) {
                s += Math.exp(lp[k]) * (lp[k] - lq[k]);
            }
            return s;
        }
        for (int k = 0; k < outDim; k++) {
            double lsp = logStd(thetaP, k);
            double lsq = logStd(thetaQ, k);
            double vp = Math.exp(2 * lsp);
            double vq = Math.exp(2 * lsq);
            double dm = op[k] - oq[k];
            s += lsq - lsp + (vp + dm * dm) / (2 * vq) - 0.5;
        }
        return s;
    }

    /** Problem data: rows of obs and actions. */
    record Data(double[][] obs, double[][] actions, double[] behaviourLogp, double[] adv) {
        int n() {
            return obs.length;
        }
    }

    double surrogate(double[] theta, Data d) {
        double s = 0;
        for (int i = 0; i < d.n(); i++) {
            s += d.adv()[i] * Math.exp(logProb(theta, d.obs()[i], d.actions()[i]) - d.behaviourLogp()[i]);
        }
        return s / d.n();
    }

    double meanKl(double[] thetaP, double[] thetaQ, Data d) {
        double s = 0;
        for (int i = 0; i < d.n(); i++) {
            s += kl(thetaP, thetaQ, d.obs()[i]);
        }
        return s / d.n();
    }

    /** Gradient of mean KL(pi_old || pi_theta) with respect to theta (analytic, per sample). */
    double[] klGradient(double[] thetaOld, double[] theta, Data d) {
        double[] g = new double[paramCount];
        for (int i = 0; i < d.n(); i++) {
            double[] x = d.obs()[i];
            double[] oOld = output(thetaOld, x);
            double[] o = output(theta, x);
            double[] dOut = new double[outDim];
            if (discrete) {
                double[] lOld = logSoftmax(oOld);
                double[] l = logSoftmax(o);
                for (int k = 0; k < outDim; k++) {
                    dOut[k] = (Math.exp(l[k]) - Math.exp(lOld[k])) / d.n();
                }
            } else {
                for (int k = 0; k < outDim; k++) {
                    double lsO = logStd(thetaOld, k);
                    double ls = logStd(theta, k);
                    double v = Math.exp(2 * ls);
                    double vO = Math.exp(2 * lsO);
                    double dm = o[k] - oOld[k];
                    dOut[k] = dm / v / d.n();
                    g[mlpCount + k] += (1 - (vO + dm * dm) / v) / d.n();
                }
            }
            double[] gi = backprop(theta, x, dOut);
            for (int j = 0; j < mlpCount; j++) {
                g[j] += gi[j];
            }
        }
        return g;
    }

    /** F v = (1/n) sum_i J_i^T M_i J_i v, built densely from per-sample Jacobians. */
    double[] fisherVectorProduct(double[] theta, double[] v, Data d) {
        double[] out = new double[paramCount];
        for (int i = 0; i < d.n(); i++) {
            double[] x = d.obs()[i];
            double[][] jac = jacobian(theta, x);
            double[] jv = new double[outDim];
            for (int k = 0; k < outDim; k++) {
                for (int j = 0; j < mlpCount; j++) {
                    jv[k] += jac[k][j] * v[j];
                }
            }
            double[] mjv = new double[outDim];
            if (discrete) {
                double[] p = logSoftmax(output(theta, x));
                for (int k = 0; k < outDim; k++) {
                    p[k] = Math.exp(p[k]);
                }
                for (int k = 0; k < outDim; k++) {
                    double s = p[k] * jv[k];
                    for (int l = 0; l < outDim; l++) {
                        s -= p[k] * p[l] * jv[l];
                    }
                    mjv[k] = s;
                }
            } else {
                for (int k = 0; k < outDim; k++) {
                    mjv[k] = jv[k] / Math.exp(2 * logStd(theta, k));
                }
            }
            for (int k = 0; k < outDim; k++) {
                for (int j = 0; j < mlpCount; j++) {
                    out[j] += jac[k][j] * mjv[k] / d.n();
                }
            }
        }
        if (!discrete) {
            for (int k = 0; k < outDim; k++) {
                out[mlpCount + k] = 2 * v[mlpCount + k];
            }
        }
        return out;
    }

    /** Flattens rows. */
    static double[] flat(double[][] rows) {
        int n = 0;
        for (double[] r : rows) {
            n += r.length;
        }
        double[] out = new double[n];
        int k = 0;
        for (double[] r : rows) {
            System.arraycopy(r, 0, out, k, r.length);
            k += r.length;
        }
        return out;
    }
}
