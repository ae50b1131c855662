/*
 * finance.c - the finance helpers (see finance.h): Bass adoption, npv, irr, payback.
 */
#include "finance.h"

#include <math.h>

double roi_bass(double p, double q, double tau)
{
    return roi_bass_of_decay(exp(-(p + q) * tau), q / p);
}

double roi_npv(const double *cf, int n, double x)
{
    /* Horner in v = 1/(1+x): sum cf_t v^t */
    double v = 1.0 / (1.0 + x);
    double acc = 0.0;
    for (int t = n - 1; t >= 0; t--)
        acc = acc * v + cf[t];
    return acc;
}

/* npv(x) = sum cf_t v^t, v = 1/(1+x), and its first two derivatives in x. Horner in v
 * gives P(v), P'(v) and P''(v)/2 in one pass; dv/dx = -v^2, so
 * f' = -v^2 P'(v) and f'' = 2 v^3 P'(v) + v^4 P''(v). */
static void npv_derivatives(const double *cf, int n, double x, double *f, double *d1,
                            double *d2)
{
    double v = 1.0 / (1.0 + x);
    double p0 = 0.0, p1 = 0.0, half_p2 = 0.0;
    for (int t = n - 1; t >= 0; t--) {
        half_p2 = half_p2 * v + p1;
        p1 = p1 * v + p0;
        p0 = p0 * v + cf[t];
    }
    double v2 = v * v;
    *f = p0;
    *d1 = -v2 * p1;
    *d2 = v2 * v * (2.0 * p1 + v * 2.0 * half_p2);
}

/*
 * Root of npv in [a, b] where npv(a), npv(b) differ in sign, by Halley steps from x on
 * h(x) = (1+x)^k npv(x), which has the same roots and signs. With k = 0 that is npv
 * itself. For flows with one sign change at index k, h is monotone: its terms before k
 * are one sign times positive powers of 1+x, those from k on the other sign times
 * powers <= 0. npv itself need not be (it can dip between the root and 0), and Newton
 * or Halley on it can head for the dip; on h every Newton step points at the root.
 * With u = (1+x)^k, u'/u = k v, u''/u = k (k-1) v^2 (v = 1/(1+x)), so u cancels:
 *   h/u = f,  h'/u = f' + k v f,  h''/u = f'' + 2 k v f' + k (k-1) v^2 f.
 * Halley's step -2 h h' / (2 h'^2 - h h'') converges cubically near a simple root; one
 * that leaves the bracket (which shrinks with every evaluation) is replaced by Newton's
 * -h / h', and one that leaves it too by bisection; after 20 steps (never seen with one
 * sign change, where 4-7 evaluations are usual) only bisection, which guarantees the
 * end. Stops when a step is below 1e-15 relative to max(1, |x|). (The converged step
 * is tested before the bracket: the last iterate is usually an end of the bracket, and
 * a zero step from it is not inside.)
 */
static double solve_from(const double *cf, int n, int k, double a, double b, double fa,
                         double x)
{
    for (int iter = 0; iter < 200; iter++) {
        double f, d1, d2;
        npv_derivatives(cf, n, x, &f, &d1, &d2);
        if (f == 0.0)
            return x;
        if ((f < 0.0) == (fa < 0.0)) {
            a = x;
            fa = f;
        } else {
            b = x;
        }
        const double kv = k / (1.0 + x);
        const double h1 = d1 + kv * f;
        const double h2 = d2 + 2.0 * kv * d1 + kv * (kv - 1.0 / (1.0 + x)) * f;
        double next = x - 2.0 * f * h1 / (2.0 * h1 * h1 - f * h2);
        const double tol = 1e-15 * (fabs(x) > 1.0 ? fabs(x) : 1.0);
        if (fabs(next - x) <= tol)
            return next;
        if (!(next > a && next < b))
            next = x - f / h1;
        if (!(next > a && next < b) || iter >= 20) /* only bisection after 20 steps */
            next = 0.5 * (a + b);
        if (b - a <= tol)
            return next;
        x = next;
    }
    return x;
}

static double solve_bracket(const double *cf, int n, double a, double b, double fa)
{
    return solve_from(cf, n, 0, a, b, fa, 0.5 * (a + b));
}

/* The k-th grid point away from 0 on one side: steps of 0.01 up to 1, then 0.1. */
static double grid_point(int k, int side)
{
    if (side < 0)
        return -0.01 * k;                               /* down to -0.99 */
    return k <= 100 ? 0.01 * k : 1.0 + 0.1 * (k - 100); /* up to 10 */
}

double roi_irr(const double *cf, int n)
{
    int changes = 0, last = 0, k_change = 0;
    for (int t = 0; t < n; t++) {
        int sign = (cf[t] > 0.0) - (cf[t] < 0.0);
        if (sign != 0) {
            if (last != 0 && sign != last) {
                changes++;
                k_change = t; /* the first flow of the second sign */
            }
            last = sign;
        }
    }
    if (changes == 0)
        return NAN; /* flows never change sign: no rate makes them worth zero */

    double f0 = roi_npv(cf, n, 0.0);
    if (f0 == 0.0)
        return 0.0;
    if (changes == 1) {
        /* One sign change: by Descartes' rule of signs (in v = 1/(1+x)) there is one
         * root x > -1, so the scan below would find that root's bracket or none. As x
         * falls to -1, npv takes the sign of the last flow; it changes sign only at
         * the root. So the root is above 0 when npv(0) has that sign, below it if not:
         * test that end of the scanned range only, and solve from 0 (near the root
         * for the usual rates): the same root, in a fraction of the steps. */
        if ((f0 > 0.0) == (last > 0)) {
            double hi = grid_point(190, 1);
            double fhi = roi_npv(cf, n, hi);
            if (fhi == 0.0)
                return hi;
            return (fhi < 0.0) != (f0 < 0.0) ? solve_from(cf, n, k_change, 0.0, hi, f0, 0.0)
                                             : NAN;
        }
        double lo = grid_point(99, -1);
        double flo = roi_npv(cf, n, lo);
        if (flo == 0.0)
            return lo;
        return (flo < 0.0) != (f0 < 0.0) ? solve_from(cf, n, k_change, lo, 0.0, flo, 0.0) : NAN;
    }
    /* Scan outwards from 0, both sides in step, so the first bracket found holds the
     * root nearest 0. */
    double pos_prev = f0, neg_prev = f0;
    int pos_done = 0, neg_done = 0;
    for (int k = 1; !(pos_done && neg_done); k++) {
        if (!pos_done) {
            double x = grid_point(k, 1);
            double f = roi_npv(cf, n, x);
            if (f == 0.0)
                return x;
            if ((f < 0.0) != (pos_prev < 0.0))
                return solve_bracket(cf, n, grid_point(k - 1, 1), x, pos_prev);
            pos_prev = f;
            pos_done = k >= 190; /* x = 10 */
        }
        if (!neg_done) {
            double x = grid_point(k, -1);
            double f = roi_npv(cf, n, x);
            if (f == 0.0)
                return x;
            if ((f < 0.0) != (neg_prev < 0.0))
                return solve_bracket(cf, n, x, grid_point(k - 1, -1), f);
            neg_prev = f;
            neg_done = k >= 99; /* x = -0.99 */
        }
    }
    return NAN;
}

int roi_payback(const double *cf, int n)
{
    double cumulative = 0.0;
    int was_negative = 0;
    for (int t = 0; t < n; t++) {
        cumulative += cf[t];
        if (cumulative < 0.0)
            was_negative = 1;
        else if (was_negative)
            return t;
    }
    return was_negative ? -1 : -2;
}
