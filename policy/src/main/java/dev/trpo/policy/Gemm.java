package dev.trpo.policy;

/**
 * Dense matrix products on row-major {@code double[]} blocks (with offsets), the kernels of {@link Mlp}'s batch
 * passes. Shaped for C2's auto-vectoriser: the innermost loop always runs over a contiguous row of the output and of
 * one operand, and each pass over that row folds in a 4 x 4 block of the other operand (4 output rows times 4 terms of
 * the sum) held in scalars, so every load and store of the output row serves 16 multiply-adds. Compared on
 * 1024 x 64 x 64 (see bench/README.md): one term per pass 3.2 GMAC/s, 4 terms 5.2, 2 x 4 7.0, 4 x 4 7.4.
 *
 * <p>Sums are grouped in fours, so results differ from a one-term-at-a-time loop by floating-point reassociation
 * only; they are the same on every run. No argument may alias the output. Nothing is allocated.
 */
final class Gemm {
    private Gemm() {
    }

    /**
     * C += A B: {@code c[s][j] += sum_k a[s][k] b[k][j]}.
     *
     * @param a    not modified: rows x inner at aOff (row stride inner)
     * @param rows rows of A and C
     * @param inner columns of A, rows of B
     * @param b    not modified: inner x n at bOff (row stride n)
     * @param n    columns of B and C
     * @param c    modified: rows x n at cOff (row stride n)
     */
    static void multiplyAdd(double[] a, int aOff, int rows, int inner, double[] b, int bOff, int n, double[] c,
                            int cOff) {
        int s = 0;
        for (; s + 3 < rows; s += 4) {
            final int a0 = aOff + s * inner;
            final int a1 = a0 + inner;
            final int a2 = a1 + inner;
            final int a3 = a2 + inner;
            final int c0 = cOff + s * n;
            final int c1 = c0 + n;
            final int c2 = c1 + n;
            final int c3 = c2 + n;
            int k = 0;
            for (; k + 3 < inner; k += 4) {
                final double x00 = a[a0 + k], x01 = a[a0 + k + 1], x02 = a[a0 + k + 2], x03 = a[a0 + k + 3];
                final double x10 = a[a1 + k], x11 = a[a1 + k + 1], x12 = a[a1 + k + 2], x13 = a[a1 + k + 3];
                final double x20 = a[a2 + k], x21 = a[a2 + k + 1], x22 = a[a2 + k + 2], x23 = a[a2 + k + 3];
                final double x30 = a[a3 + k], x31 = a[a3 + k + 1], x32 = a[a3 + k + 2], x33 = a[a3 + k + 3];
                final int b0 = bOff + k * n;
                final int b1 = b0 + n;
                final int b2 = b1 + n;
                final int b3 = b2 + n;
                for (int j = 0; j < n; j++) {
                    final double w0 = b[b0 + j], w1 = b[b1 + j], w2 = b[b2 + j], w3 = b[b3 + j];
                    c[c0 + j] += x00 * w0 + x01 * w1 + x02 * w2 + x03 * w3;
                    c[c1 + j] += x10 * w0 + x11 * w1 + x12 * w2 + x13 * w3;
                    c[c2 + j] += x20 * w0 + x21 * w1 + x22 * w2 + x23 * w3;
                    c[c3 + j] += x30 * w0 + x31 * w1 + x32 * w2 + x33 * w3;
                }
            }
            for (; k < inner; k++) {
                final double x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k], x3 = a[a3 + k];
                final int b0 = bOff + k * n;
                for (int j = 0; j < n; j++) {
                    final double w = b[b0 + j];
                    c[c0 + j] += x0 * w;
                    c[c1 + j] += x1 * w;
                    c[c2 + j] += x2 * w;
                    c[c3 + j] += x3 * w;
                }
            }
        }
        for (; s < rows; s++) {
            final int a0 = aOff + s * inner;
            final int c0 = cOff + s * n;
            int k = 0;
            for (; k + 3 < inner; k += 4) {
                final double x0 = a[a0 + k], x1 = a[a0 + k + 1], x2 = a[a0 + k + 2], x3 = a[a0 + k + 3];
                final int b0 = bOff + k * n;
                final int b1 = b0 + n;
                final int b2 = b1 + n;
                final int b3 = b2 + n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
                }
            }
            for (; k < inner; k++) {
                final double x0 = a[a0 + k];
                final int b0 = bOff + k * n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[b0 + j];
                }
            }
        }
    }

    /**
     * C += A^T B: {@code c[k][j] += sum_s a[s][k] b[s][j]} (the weight gradient of a batch).
     *
     * @param a     not modified: rows x m at aOff (row stride m)
     * @param rows  rows of A and B (the sum runs over them)
     * @param m     columns of A, rows of C
     * @param b     not modified: rows x n at bOff (row stride n)
     * @param n     columns of B and C
     * @param c     modified: m x n at cOff (row stride n)
     */
    static void transposeMultiplyAdd(double[] a, int aOff, int rows, int m, double[] b, int bOff, int n, double[] c,
                                     int cOff) {
        int k = 0;
        for (; k + 3 < m; k += 4) {
            final int c0 = cOff + k * n;
            final int c1 = c0 + n;
            final int c2 = c1 + n;
            final int c3 = c2 + n;
            int s = 0;
            for (; s + 3 < rows; s += 4) {
                final int a0 = aOff + s * m + k;
                final int a1 = a0 + m;
                final int a2 = a1 + m;
                final int a3 = a2 + m;
                // x{row of C}{sample}
                final double x00 = a[a0], x01 = a[a1], x02 = a[a2], x03 = a[a3];
                final double x10 = a[a0 + 1], x11 = a[a1 + 1], x12 = a[a2 + 1], x13 = a[a3 + 1];
                final double x20 = a[a0 + 2], x21 = a[a1 + 2], x22 = a[a2 + 2], x23 = a[a3 + 2];
                final double x30 = a[a0 + 3], x31 = a[a1 + 3], x32 = a[a2 + 3], x33 = a[a3 + 3];
                final int b0 = bOff + s * n;
                final int b1 = b0 + n;
                final int b2 = b1 + n;
                final int b3 = b2 + n;
                for (int j = 0; j < n; j++) {
                    final double w0 = b[b0 + j], w1 = b[b1 + j], w2 = b[b2 + j], w3 = b[b3 + j];
                    c[c0 + j] += x00 * w0 + x01 * w1 + x02 * w2 + x03 * w3;
                    c[c1 + j] += x10 * w0 + x11 * w1 + x12 * w2 + x13 * w3;
                    c[c2 + j] += x20 * w0 + x21 * w1 + x22 * w2 + x23 * w3;
                    c[c3 + j] += x30 * w0 + x31 * w1 + x32 * w2 + x33 * w3;
                }
            }
            for (; s < rows; s++) {
                final int a0 = aOff + s * m + k;
                final double x0 = a[a0], x1 = a[a0 + 1], x2 = a[a0 + 2], x3 = a[a0 + 3];
                final int b0 = bOff + s * n;
                for (int j = 0; j < n; j++) {
                    final double w = b[b0 + j];
                    c[c0 + j] += x0 * w;
                    c[c1 + j] += x1 * w;
                    c[c2 + j] += x2 * w;
                    c[c3 + j] += x3 * w;
                }
            }
        }
        for (; k < m; k++) {
            final int c0 = cOff + k * n;
            int s = 0;
            for (; s + 3 < rows; s += 4) {
                final int a0 = aOff + s * m + k;
                final double x0 = a[a0], x1 = a[a0 + m], x2 = a[a0 + 2 * m], x3 = a[a0 + 3 * m];
                final int b0 = bOff + s * n;
                final int b1 = b0 + n;
                final int b2 = b1 + n;
                final int b3 = b2 + n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
                }
            }
            for (; s < rows; s++) {
                final double x0 = a[aOff + s * m + k];
                final int b0 = bOff + s * n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[b0 + j];
                }
            }
        }
    }

    /**
     * C += A B^T for a narrow C (few columns): {@code c[s][j] += sum_k a[s][k] b[j][k]}, as dot products over
     * contiguous rows, four rows of A at a time so that four independent sums are in flight.
     *
     * @param a     not modified: rows x inner at aOff (row stride inner)
     * @param rows  rows of A and C
     * @param inner columns of A and of B
     * @param b     not modified: n x inner at bOff (row stride inner)
     * @param n     rows of B, columns of C
     * @param c     modified: rows x n at cOff (row stride n)
     */
    static void multiplyTransposeAdd(double[] a, int aOff, int rows, int inner, double[] b, int bOff, int n,
                                     double[] c, int cOff) {
        int s = 0;
        for (; s + 3 < rows; s += 4) {
            final int a0 = aOff + s * inner;
            final int a1 = a0 + inner;
            final int a2 = a1 + inner;
            final int a3 = a2 + inner;
            final int c0 = cOff + s * n;
            for (int j = 0; j < n; j++) {
                final int b0 = bOff + j * inner;
                double acc0 = 0;
                double acc1 = 0;
                double acc2 = 0;
                double acc3 = 0;
                for (int i = 0; i < inner; i++) {
                    final double w = b[b0 + i];
                    acc0 += a[a0 + i] * w;
                    acc1 += a[a1 + i] * w;
                    acc2 += a[a2 + i] * w;
                    acc3 += a[a3 + i] * w;
                }
                c[c0 + j] += acc0;
                c[c0 + n + j] += acc1;
                c[c0 + 2 * n + j] += acc2;
                c[c0 + 3 * n + j] += acc3;
            }
        }
        for (; s < rows; s++) {
            final int a0 = aOff + s * inner;
            final int c0 = cOff + s * n;
            for (int j = 0; j < n; j++) {
                final int b0 = bOff + j * inner;
                double acc = 0;
                for (int i = 0; i < inner; i++) {
                    acc += a[a0 + i] * b[b0 + i];
                }
                c[c0 + j] += acc;
            }
        }
    }
}
