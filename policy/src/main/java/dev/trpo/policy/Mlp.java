package dev.trpo.policy;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A multilayer perceptron over one flat parameter vector: hidden layers apply {@link Activation}, the output layer is
 * linear. Layout of the flat vector: concat(W1 row-major [out][in], b1, W2, b2, ..., Wk, bk) (PyTorch's
 * {@code nn.Linear.weight} convention), starting at a caller-given offset so that a policy can append its log-std.
 *
 * <p>The batch kernels ({@link #forward}, {@link #backward}, {@link #jvp}) run over rows of a batch with every buffer
 * preallocated in {@link Buffers}; nothing is allocated per sample. Immutable and thread-safe; buffers are not.
 */
public final class Mlp {
    /** Below this output width the kernels use dot products over the input instead of row updates. */
    private static final int NARROW_OUTPUT = 8;

    private final int[] sizes;
    private final Activation activation;
    private final int[] weightOffset;
    private final int[] biasOffset;
    private final int parameterCount;

    /**
     * @param inputSize   input width, &gt;= 1
     * @param hiddenSizes hidden layer widths, each &gt;= 1 (may be empty: a linear model); copied
     * @param outputSize  output width, &gt;= 1
     * @param activation  hidden-layer non-linearity
     */
    public Mlp(int inputSize, int[] hiddenSizes, int outputSize, Activation activation) {
        if (inputSize < 1) {
            throw new IllegalArgumentException("mlp input size must be >= 1, got " + inputSize);
        }
        if (outputSize < 1) {
            throw new IllegalArgumentException("mlp output size must be >= 1, got " + outputSize);
        }
        if (activation == null) {
            throw new IllegalArgumentException("mlp activation must be one of tanh, relu, identity, got null");
        }
        this.sizes = new int[hiddenSizes.length + 2];
        sizes[0] = inputSize;
        for (int i = 0; i < hiddenSizes.length; i++) {
            if (hiddenSizes[i] < 1) {
                throw new IllegalArgumentException("mlp hidden size [" + i + "] must be >= 1, got " + hiddenSizes[i]);
            }
            sizes[i + 1] = hiddenSizes[i];
        }
        sizes[sizes.length - 1] = outputSize;
        this.activation = activation;
        int layers = sizes.length - 1;
        this.weightOffset = new int[layers];
        this.biasOffset = new int[layers];
        int off = 0;
        for (int l = 0; l < layers; l++) {
            weightOffset[l] = off;
            off += sizes[l] * sizes[l + 1];
            biasOffset[l] = off;
            off += sizes[l + 1];
        }
        this.parameterCount = off;
    }

    /** Number of doubles in the flat parameter vector. */
    public int parameterCount() {
        return parameterCount;
    }

    /** Input width. */
    public int inputSize() {
        return sizes[0];
    }

    /** Output width. */
    public int outputSize() {
        return sizes[sizes.length - 1];
    }

    /** [in, h1, ..., out] (a copy). */
    public int[] layerSizes() {
        return sizes.clone();
    }

    /** The hidden widths (a copy). */
    public int[] hiddenSizes() {
        return Arrays.copyOfRange(sizes, 1, sizes.length - 1);
    }

    /** Hidden-layer non-linearity. */
    public Activation activation() {
        return activation;
    }

    /** Equal when the layer sizes and activation are equal (the shape, not any parameters). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Mlp m && Arrays.equals(sizes, m.sizes) && activation == m.activation;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sizes) + activation.hashCode();
    }

    @Override
    public String toString() {
        return "Mlp" + Arrays.toString(sizes) + " " + activation.wireName();
    }

    /** Number of linear layers (hidden + output). */
    int layerCount() {
        return sizes.length - 1;
    }

    /** Where the output layer's parameters (its weights, then its bias) start; they run to the end. */
    int outputLayerOffset() {
        return weightOffset[layerCount() - 1];
    }

    /**
     * Rescales the output layer in place so the network computes {@code scale * f(x) + shift} where it computed
     * {@code f(x)}: W_last *= scale, b_last = scale * b_last + shift. Modified: params.
     */
    void rescaleOutput(double[] params, int offset, double scale, double shift) {
        int last = layerCount() - 1;
        int nout = sizes[last + 1];
        int w = offset + weightOffset[last];
        for (int k = 0; k < nout * sizes[last]; k++) {
            params[w + k] *= scale;
        }
        int b = offset + biasOffset[last];
        for (int o = 0; o < nout; o++) {
            params[b + o] = scale * params[b + o] + shift;
        }
    }

    /**
     * Orthogonal initialisation (as {@code torch.nn.init.orthogonal_}: Gram-Schmidt QR of a Gaussian matrix, signs
     * fixed so R has a positive diagonal), zero biases.
     *
     * @param params     modified: receives the weights at {@code offset}
     * @param offset     where this network's parameters start
     * @param hiddenGain gain of hidden layers (sqrt(2) in sb3)
     * @param outputGain gain of the output layer (0.01 for a policy head, 1 for a value head)
     * @param rng        seeded source of the Gaussian matrices
     */
    public void initOrthogonal(double[] params, int offset, double hiddenGain, double outputGain, RandomGenerator rng) {
        int layers = layerCount();
        for (int l = 0; l < layers; l++) {
            int rows = sizes[l + 1];
            int cols = sizes[l];
            double gain = l == layers - 1 ? outputGain : hiddenGain;
            // Orthonormal columns of a tall (big x small) Gaussian matrix; transpose when the weight is wide.
            int big = Math.max(rows, cols);
            int small = Math.min(rows, cols);
            double[] q = new double[big * small]; // column-major: column c at c*big
            for (int i = 0; i < q.length; i++) {
                q[i] = rng.nextGaussian();
            }
            for (int c = 0; c < small; c++) {
                int co = c * big;
                for (int pass = 0; pass < 2; pass++) { // re-orthogonalise once for numerical orthogonality
                    for (int k = 0; k < c; k++) {
                        int ko = k * big;
                        double dot = 0;
                        for (int i = 0; i < big; i++) {
                            dot += q[ko + i] * q[co + i];
                        }
                        for (int i = 0; i < big; i++) {
                            q[co + i] -= dot * q[ko + i];
                        }
                    }
                }
                double norm = 0;
                for (int i = 0; i < big; i++) {
                    norm += q[co + i] * q[co + i];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < big; i++) {
                    q[co + i] /= norm;
                }
            }
            int w = offset + weightOffset[l];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    // tall (rows >= cols): W[r][c] = q[r, c]; wide: W = Q^T, W[r][c] = q[c, r]
                    double val = rows >= cols ? q[c * big + r] : q[r * big + c];
                    params[w + r * cols + c] = gain * val;
                }
            }
            Arrays.fill(params, offset + biasOffset[l], offset + biasOffset[l] + rows, 0.0);
        }
    }

    /** Preallocated buffers for batches of up to {@code maxBatch} rows. */
    public Buffers buffers(int maxBatch) {
        return new Buffers(this, maxBatch);
    }

    /**
     * Per-thread scratch of the batch kernels: activations, back-propagated errors and tangents per layer, and
     * transposed weights. Holds the activations of the last {@link #forward} call.
     */
    public static final class Buffers {
        final int maxBatch;
        /** act[l] for l = 1..L: layer outputs (post-activation; the last is the linear output). act[0] unused. */
        final double[][] act;
        /** delta[l]: dLoss/d(pre-activation of layer l); delta[L] is the caller's output gradient. */
        final double[][] delta;
        /** tangent[l]: directional derivative of act[l] (JVP). */
        final double[][] tangent;
        /** wt[l]: W_l transposed, [in][out]. vt[l]: the direction's W_l transposed. */
        final double[][] wt;
        final double[][] vt;
        /** gwt[l]: weight-gradient accumulator in [in][out] layout. */
        final double[][] gwt;
        /** The pre-activations of the layer being activated (scratch of the tanh kernel). */
        final double[] preActivation;
        /**
         * sens[l] for hidden layers l = 0..L-2, allocated by the first {@link #prepareSensitivities}: d output_k / d
         * (pre-activation of layer l's output) of each sample s and output k, rows (s * outputSize + k).
         */
        double[][] sens;

        Buffers(Mlp net, int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            int layers = net.layerCount();
            act = new double[layers + 1][];
            delta = new double[layers + 1][];
            tangent = new double[layers + 1][];
            wt = new double[layers][];
            vt = new double[layers][];
            gwt = new double[layers][];
            for (int l = 1; l <= layers; l++) {
                act[l] = new double[maxBatch * net.sizes[l]];
                delta[l] = new double[maxBatch * net.sizes[l]];
                tangent[l] = new double[maxBatch * net.sizes[l]];
            }
            int widest = 1;
            for (int l = 1; l < layers; l++) {
                widest = Math.max(widest, net.sizes[l]);
            }
            preActivation = new double[maxBatch * widest];
            for (int l = 0; l < layers; l++) {
                wt[l] = new double[net.sizes[l] * net.sizes[l + 1]];
                vt[l] = new double[net.sizes[l] * net.sizes[l + 1]];
                gwt[l] = new double[net.sizes[l] * net.sizes[l + 1]];
            }
        }

        /** The largest batch these buffers take. */
        public int maxBatch() {
            return maxBatch;
        }
    }

    private void checkBatch(Buffers buf, int batch) {
        if (batch > buf.maxBatch || batch < 0) {
            throw new IllegalArgumentException("batch " + batch + " exceeds the buffers' maxBatch " + buf.maxBatch);
        }
    }

    /** The network output of the last forward pass, [batch * outputSize] (live buffer). */
    double[] output(Buffers buf) {
        return buf.act[layerCount()];
    }

    /** The output-gradient buffer {@link #backward} reads, [batch * outputSize] (live buffer; caller fills). */
    double[] outputGradient(Buffers buf) {
        return buf.delta[layerCount()];
    }

    /** The output tangent of the last {@link #jvp}, [batch * outputSize] (live buffer). */
    double[] outputTangent(Buffers buf) {
        return buf.tangent[layerCount()];
    }

    private static void transpose(double[] src, int srcOff, int rows, int cols, double[] dst) {
        for (int r = 0; r < rows; r++) {
            int ro = srcOff + r * cols;
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[ro + c];
            }
        }
    }

    /**
     * Forward pass over {@code batch} rows of {@code input}; the output is left in the buffers
     * ({@link #output}). Not modified: params, input. Modified: buf.
     */
    void forward(double[] params, int offset, double[] input, int batch, Buffers buf) {
        checkBatch(buf, batch);
        int layers = layerCount();
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            double[] in = l == 0 ? input : buf.act[l];
            double[] out = buf.act[l + 1];
            int w = offset + weightOffset[l];
            fillRows(out, batch, params, offset + biasOffset[l], nout);
            addTimesTransposed(in, batch, nin, nout, params, w, out, buf.wt[l]);
            if (l < layers - 1) {
                activate(out, batch * nout, buf);
            }
        }
    }

    /** Each of the first {@code rows} rows of {@code dst} (width n) := src[srcOff .. srcOff + n). */
    /**
     * out[b, o] += sum_i in[b, i] W[o, i] for the row-major W [nout][nin] at {@code weights[wOff]}: narrow outputs
     * read W in place, wide ones through its transpose in {@code scratch} (contiguous rows vectorise better).
     * Not modified: in, weights. Modified: out, scratch.
     */
    private static void addTimesTransposed(double[] in, int batch, int nin, int nout, double[] weights, int wOff,
                                           double[] out, double[] scratch) {
        if (nout < NARROW_OUTPUT) {
            Gemm.multiplyTransposeAdd(in, 0, batch, nin, weights, wOff, nout, out, 0);
        } else {
            transpose(weights, wOff, nout, nin, scratch);
            Gemm.multiplyAdd(in, 0, batch, nin, scratch, 0, nout, out, 0);
        }
    }

    private static void fillRows(double[] dst, int rows, double[] src, int srcOff, int n) {
        for (int s = 0; s < rows; s++) {
            System.arraycopy(src, srcOff, dst, s * n, n);
        }
    }

    private void activate(double[] x, int n, Buffers buf) {
        switch (activation) {
            case TANH -> tanhInPlace(x, n, buf.preActivation);
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.max(0.0, x[i]);
                }
            }
            case IDENTITY -> {
            }
        }
    }

    /** |x| up to which {@link #tanhInPlace} uses the rational approximation. */
    private static final double RATIONAL_TANH_LIMIT = 5.0;
    // x P(x^2) / Q(x^2): the 16th convergent of Lambert's continued fraction tanh x = x / (1 + x^2 / (3 + x^2 / (5 +
    // ...))), exact rational coefficients normalised to P0 = Q0 = 1 and rounded to double. Absolute error below
    // 5e-16 on |x| <= 5 (against mpmath at 40 digits), as Math.exp's route below: a couple of ulps of 1.
    private static final double P1 = 0.15151515151515152;
    private static final double P2 = 0.005930270446399479;
    private static final double P3 = 9.181277256916857e-05;
    private static final double P4 = 6.539371265610297e-07;
    private static final double P5 = 2.21942297499501e-09;
    private static final double P6 = 3.374008779256628e-12;
    private static final double P7 = 1.8361952540172124e-15;
    private static final double P8 = 1.5791152855325184e-19;
    private static final double Q1 = 0.48484848484848486;
    private static final double Q2 = 0.034213098729227766;
    private static final double Q3 = 0.0008179683374344109;
    private static final double Q4 = 8.501182645293386e-06;
    private static final double Q5 = 4.1851976099905904e-08;
    private static final double Q6 = 9.649665108673956e-11;
    private static final double Q7 = 9.180976270086063e-14;
    private static final double Q8 = 2.4160463868647534e-17;

    /**
     * x[i] = tanh(x[i]) for i &lt; n: a rational function the JIT vectorises (only multiply, add and one divide) over
     * the whole block, then {@link #tanh} for the few entries beyond {@link #RATIONAL_TANH_LIMIT} (and NaN). About 1
     * ns per entry instead of 3.7 with the scalar exp. Modified: x, scratch (keeps the inputs).
     */
    static void tanhInPlace(double[] x, int n, double[] scratch) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            scratch[i] = v;
            double y = v * v;
            double p = ((((((((P8 * y + P7) * y + P6) * y + P5) * y + P4) * y + P3) * y + P2) * y + P1) * y + 1.0);
            double q = ((((((((Q8 * y + Q7) * y + Q6) * y + Q5) * y + Q4) * y + Q3) * y + Q2) * y + Q1) * y + 1.0);
            x[i] = v * p / q;
        }
        for (int i = 0; i < n; i++) {
            double v = scratch[i];
            if (!(Math.abs(v) <= RATIONAL_TANH_LIMIT)) {
                x[i] = tanh(v);
            }
        }
    }

    /**
     * tanh through the intrinsic {@link Math#exp} (Math.tanh is a slow library call on JDK 17):
     * 1 - 2 / (exp(2|x|) + 1) with the sign restored. Absolute error below 3e-16, which is all the callers need
     * (derivatives use 1 - y^2 of the same value); saturates to +-1 without overflow.
     */
    static double tanh(double x) {
        double y = 1.0 - 2.0 / (Math.exp(2.0 * Math.abs(x)) + 1.0);
        return Math.copySign(y, x);
    }

    /** x[i] *= activation'(pre-activation), given the post-activation y. */
    private void multiplyByDerivative(double[] x, double[] y, int n) {
        switch (activation) {
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    double yi = y[i];
                    x[i] *= 1.0 - yi * yi;
                }
            }
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    x[i] = y[i] > 0 ? x[i] : 0.0;
                }
            }
            case IDENTITY -> {
            }
        }
    }

    /**
     * Back-propagates the output gradient the caller wrote into {@link #outputGradient} through the activations of
     * the last {@link #forward} (same params, input and batch) and ADDS dLoss/dparams into
     * {@code grad[gradOffset ..]}. Not modified: params, input. Modified: grad, buf.
     */
    void backward(double[] params, int offset, double[] input, int batch, Buffers buf, double[] grad,
                  int gradOffset) {
        checkBatch(buf, batch);
        int layers = layerCount();
        for (int l = layers - 1; l >= 0; l--) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            double[] in = l == 0 ? input : buf.act[l];
            double[] d = buf.delta[l + 1];
            accumulateLayerGradient(l, in, d, batch, buf, grad, gradOffset);
            if (l > 0) {
                // prev[s][i] = sum_j d[s][j] W[j][i], then times the activation's derivative
                double[] prev = buf.delta[l];
                Arrays.fill(prev, 0, batch * nin, 0.0);
                Gemm.multiplyAdd(d, 0, batch, nout, params, offset + weightOffset[l], nin, prev, 0);
                multiplyByDerivative(prev, buf.act[l], batch * nin);
            }
        }
    }

    /** Adds layer l's bias and weight gradients for the errors d [batch][out] and inputs in [batch][in]. */
    private void accumulateLayerGradient(int l, double[] in, double[] d, int batch, Buffers buf, double[] grad,
                                     int gradOffset) {
        int nin = sizes[l];
        int nout = sizes[l + 1];
        int gw = gradOffset + weightOffset[l];
        int gb = gradOffset + biasOffset[l];
        // bias gradient
        for (int s = 0; s < batch; s++) {
            int dof = s * nout;
            for (int j = 0; j < nout; j++) {
                grad[gb + j] += d[dof + j];
            }
        }
        // weight gradient gW[j][i] += sum_s d[s][j] * in[s][i], accumulated along the wider of the two sides
        if (nin >= nout) {
            Gemm.transposeMultiplyAdd(d, 0, batch, nout, in, 0, nin, grad, gw);
        } else {
            double[] acc = buf.gwt[l];
            Arrays.fill(acc, 0, nin * nout, 0.0);
            Gemm.transposeMultiplyAdd(in, 0, batch, nin, d, 0, nout, acc, 0);
            for (int j = 0; j < nout; j++) {
                int go = gw + j * nin;
                for (int i = 0; i < nin; i++) {
                    grad[go + i] += acc[i * nout + j];
                }
            }
        }
    }

    /**
     * Jacobian-vector product: the directional derivative of the output along {@code v} (a direction in parameter
     * space at {@code vOffset}), using the activations of the last {@link #forward} at the same params and input.
     * The result is left in {@link #outputTangent}. Not modified: params, input, v. Modified: buf.
     */
    void jvp(double[] params, int offset, double[] input, int batch, double[] v, int vOffset, Buffers buf) {
        checkBatch(buf, batch);
        int layers = layerCount();
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            double[] in = l == 0 ? input : buf.act[l];
            double[] tin = l == 0 ? null : buf.tangent[l];
            double[] t = buf.tangent[l + 1];
            int w = offset + weightOffset[l];
            int vw = vOffset + weightOffset[l];
            // t = vb + W tin + V in (the first layer's input has no tangent)
            fillRows(t, batch, v, vOffset + biasOffset[l], nout);
            if (tin != null) {
                addTimesTransposed(tin, batch, nin, nout, params, w, t, buf.wt[l]);
            }
            addTimesTransposed(in, batch, nin, nout, v, vw, t, buf.vt[l]);
            if (l < layers - 1) {
                multiplyByDerivative(t, buf.act[l + 1], batch * nout);
            }
        }
    }
    /**
     * Caches, for the activations of the last {@link #forward} (same params, batch and buffers), the sensitivities of
     * every output to every hidden pre-activation (one backward pass per output unit through the hidden layers).
     * With them a Fisher-type product J^T M J v costs one product with the direction's weights and one weight
     * gradient per layer ({@link #jvpBySensitivities}, {@link #vjpBySensitivities}) instead of two of each, which
     * pays off from the second product on when the output is narrow. Not modified: params. Modified: buf.
     */
    void prepareSensitivities(double[] params, int offset, int batch, Buffers buf) {
        checkBatch(buf, batch);
        int layers = layerCount();
        int k = outputSize();
        if (buf.sens == null) {
            buf.sens = new double[Math.max(0, layers - 1)][];
            for (int l = 0; l < layers - 1; l++) {
                buf.sens[l] = new double[buf.maxBatch * k * sizes[l + 1]];
            }
        }
        if (layers < 2) {
            return;
        }
        // the last hidden layer: d out_k / d pre = W_last[k][o] * activation'(o)
        int n = sizes[layers - 1];
        double[] last = buf.sens[layers - 2];
        int w = offset + weightOffset[layers - 1];
        for (int s = 0; s < batch; s++) {
            for (int j = 0; j < k; j++) {
                System.arraycopy(params, w + j * n, last, (s * k + j) * n, n);
            }
        }
        multiplyByRepeatedDerivative(last, buf.act[layers - 1], batch, k, n);
        for (int l = layers - 3; l >= 0; l--) {
            int nout = sizes[l + 2];
            int nin = sizes[l + 1];
            double[] next = buf.sens[l + 1];
            double[] cur = buf.sens[l];
            Arrays.fill(cur, 0, batch * k * nin, 0.0);
            Gemm.multiplyAdd(next, 0, batch * k, nout, params, offset + weightOffset[l + 1], nin, cur, 0);
            multiplyByRepeatedDerivative(cur, buf.act[l + 1], batch, k, nin);
        }
    }

    /** x[(s * k + j) * n + i] *= activation'(y[s * n + i]) for every output j. */
    private void multiplyByRepeatedDerivative(double[] x, double[] y, int batch, int k, int n) {
        switch (activation) {
            case TANH -> {
                for (int s = 0; s < batch; s++) {
                    int yo = s * n;
                    for (int j = 0; j < k; j++) {
                        int xo = (s * k + j) * n;
                        for (int i = 0; i < n; i++) {
                            double yi = y[yo + i];
                            x[xo + i] *= 1.0 - yi * yi;
                        }
                    }
                }
            }
            case RELU -> {
                for (int s = 0; s < batch; s++) {
                    int yo = s * n;
                    for (int j = 0; j < k; j++) {
                        int xo = (s * k + j) * n;
                        for (int i = 0; i < n; i++) {
                            x[xo + i] = y[yo + i] > 0 ? x[xo + i] : 0.0;
                        }
                    }
                }
            }
            case IDENTITY -> {
            }
        }
    }

    /**
     * The Jacobian-vector product of {@link #jvp}, through the sensitivities cached by {@link #prepareSensitivities}
     * (same params, input and batch): out_k = sum over layers l of sens_l,k . (V_l a_l + vb_l). Equal to
     * {@link #jvp} up to floating-point reassociation; the result is left in {@link #outputTangent}.
     * Not modified: params, input, v. Modified: buf.
     */
    void jvpBySensitivities(double[] params, int offset, double[] input, int batch, double[] v, int vOffset,
                            Buffers buf) {
        checkBatch(buf, batch);
        int layers = layerCount();
        int k = outputSize();
        double[] t = buf.tangent[layers];
        int last = layers - 1;
        fillRows(t, batch, v, vOffset + biasOffset[last], k);
        Gemm.multiplyTransposeAdd(last == 0 ? input : buf.act[last], 0, batch, sizes[last], v,
                vOffset + weightOffset[last], k, t, 0);
        for (int l = 0; l < last; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            double[] in = l == 0 ? input : buf.act[l];
            double[] y = buf.tangent[l + 1];
            int vw = vOffset + weightOffset[l];
            fillRows(y, batch, v, vOffset + biasOffset[l], nout);
            addTimesTransposed(in, batch, nin, nout, v, vw, y, buf.vt[l]);
            addRowDots(buf.sens[l], y, batch, k, nout, t);
        }
    }

    /** t[s * k + j] += sens[(s * k + j) * n ..] . y[s * n ..], four rows at a time for four independent sums. */
    private static void addRowDots(double[] sens, double[] y, int batch, int k, int n, double[] t) {
        int rows = batch * k;
        int r = 0;
        for (; r + 3 < rows; r += 4) {
            int s0 = r * n;
            int y0 = (r / k) * n;
            int y1 = ((r + 1) / k) * n;
            int y2 = ((r + 2) / k) * n;
            int y3 = ((r + 3) / k) * n;
            double acc0 = 0;
            double acc1 = 0;
            double acc2 = 0;
            double acc3 = 0;
            for (int i = 0; i < n; i++) {
                acc0 += sens[s0 + i] * y[y0 + i];
                acc1 += sens[s0 + n + i] * y[y1 + i];
                acc2 += sens[s0 + 2 * n + i] * y[y2 + i];
                acc3 += sens[s0 + 3 * n + i] * y[y3 + i];
            }
            t[r] += acc0;
            t[r + 1] += acc1;
            t[r + 2] += acc2;
            t[r + 3] += acc3;
        }
        for (; r < rows; r++) {
            int so = r * n;
            int yo = (r / k) * n;
            double acc = 0;
            for (int i = 0; i < n; i++) {
                acc += sens[so + i] * y[yo + i];
            }
            t[r] += acc;
        }
    }

    /**
     * The vector-Jacobian product of {@link #backward}, through the sensitivities cached by
     * {@link #prepareSensitivities} (same params, input and batch): ADDS J^T u into {@code grad[gradOffset ..]} for
     * the output gradient u the caller wrote into {@link #outputGradient}. Equal to {@link #backward} up to
     * floating-point reassociation. Not modified: input. Modified: grad, buf.
     */
    void vjpBySensitivities(double[] input, int batch, Buffers buf, double[] grad, int gradOffset) {
        checkBatch(buf, batch);
        int layers = layerCount();
        int k = outputSize();
        double[] u = buf.delta[layers];
        int last = layers - 1;
        accumulateLayerGradient(last, last == 0 ? input : buf.act[last], u, batch, buf, grad, gradOffset);
        for (int l = 0; l < last; l++) {
            int n = sizes[l + 1];
            double[] sens = buf.sens[l];
            double[] e = buf.delta[l + 1];
            // e[s] = sum_j u[s][j] sens[s][j]: the error at layer l's pre-activation
            for (int s = 0; s < batch; s++) {
                int eo = s * n;
                int so = s * k * n;
                double u0 = u[s * k];
                for (int i = 0; i < n; i++) {
                    e[eo + i] = u0 * sens[so + i];
                }
                for (int j = 1; j < k; j++) {
                    double uj = u[s * k + j];
                    int sj = so + j * n;
                    for (int i = 0; i < n; i++) {
                        e[eo + i] += uj * sens[sj + i];
                    }
                }
            }
            accumulateLayerGradient(l, l == 0 ? input : buf.act[l], e, batch, buf, grad, gradOffset);
        }
    }
}
