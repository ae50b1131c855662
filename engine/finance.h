/*
 * finance.h - the money and adoption formulas of MODEL.md sections 4 and 7 that do not
 * depend on a model: the Bass curve, net present value, internal rate of return and
 * the payback quarter.
 *
 * Responsible for: these formulas on plain arrays, each defined once (the per-trial
 * computation in model_trial.c calls them). Not responsible for cash flows, discount
 * factors or terminal values (model_trial.c).
 */
#ifndef ROI_FINANCE_H
#define ROI_FINANCE_H

/*
 * The Bass curve of MODEL.md section 4 from its decay factor: with e = e^(-(p+q) tau),
 * Bass(tau) = (1 - e) / (1 + (q/p) e). The one definition of the formula: roi_bass and
 * the trial's adoption loop (which advances e by one multiplication a quarter) both
 * call it, so they give the same doubles. Inline so that the trial's loop vectorises.
 */
static inline double roi_bass_of_decay(double e, double q_over_p)
{
    return (1.0 - e) / (1.0 + q_over_p * e);
}

/* Bass cumulative adoption share at time tau (quarters), p > 0, q >= 0. */
double roi_bass(double p, double q, double tau);

/* Net present value of cf[0..n-1] at per-period rate x: sum cf_t (1+x)^-t. */
double roi_npv(const double *cf, int n, double x);

/*
 * Internal rate of return per period of cf[0..n-1]: the root x > -1 of roi_npv (the one
 * nearest 0 when there are several), searched in [-0.99, 10]. Returns NaN when the flows
 * never change sign or no root is found there. Method: safeguarded Halley iteration on
 * a bracket (Newton, then bisection, when a step leaves it), from 0 on (1+x)^k npv(x)
 * for flows with one sign change at index k (monotone in x), else from the midpoint of
 * the first grid bracket found scanning outwards from 0; stops at a step below
 * 1e-15 max(1, |x|). Error: within ~3e-16 absolute of the exact root of project-shaped
 * flows for |x| < 1 (measured), so 1e-12 relative only for |x| >~ 3e-4 per period
 * (3.5e-12 at |x| ~ 1e-4, 2e-8 at 1e-8): near 0 the rounding of npv itself, not the
 * solver, sets the error.
 */
double roi_irr(const double *cf, int n);

/* The payback quarter (MODEL.md 7): the first index at which the cumulative sum of cf
 * is >= 0 again after it has been negative; -1 when it stays negative to the end, -2
 * when it is never negative (nothing to pay back: a cumulative 0 before anything is
 * spent is not a payback). */
int roi_payback(const double *cf, int n);

#endif
