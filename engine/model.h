/*
 * model.h - the reference model of MODEL.md sections 1-7, evaluated one trial at a time.
 *
 * Responsible for: the structure of a scenario (horizon, quality track, surfaces,
 * spend lines, monetization streams, milestones), its validation with messages that
 * name each parameter's path, and the per-trial computation from a vector of node
 * values to the scalar outputs and per-period series. Every parameter is a node of
 * the model's graph (roi_ref), so any of them can be uncertain. Not responsible for
 * drawing values (graph.h) or for running many trials (sim.h). Knows nothing of Lua.
 */
#ifndef ROI_MODEL_H
#define ROI_MODEL_H

#include <stddef.h>

#include "finance.h"
#include "graph.h"
#include "roi_error.h"

/* Index of a node in the model's graph; ROI_NONE when a parameter is absent. */
typedef int roi_ref;
#define ROI_NONE (-1)

/* A quarter as a period index relative to the horizon start (t = 0); quarters before
 * the start are negative. ROI_PERIOD_NONE: absent. */
typedef int roi_period;
#define ROI_PERIOD_NONE (-2147483647 - 1)

/* ---- scalar outputs (MODEL.md section 7) ------------------------------------- */
typedef enum roi_output {
    ROI_OUT_NPV,           /* dollars */
    ROI_OUT_NPV_HORIZON,   /* dollars, without terminal value and residuals */
    ROI_OUT_ROI_MULTIPLE,  /* ratio; NaN when nothing is spent */
    ROI_OUT_IRR,           /* annual rate; NaN when undefined */
    ROI_OUT_PAYBACK,       /* period index of payback; NaN when never within horizon */
    ROI_OUT_TOTAL_SPEND,   /* dollars, undiscounted */
    ROI_OUT_TOTAL_REVENUE, /* dollars, undiscounted */
    ROI_OUT_PEAK_ACTIVE,   /* people: max over t of unique active users */
    ROI_OUT_TOTAL_SAVINGS, /* money, undiscounted: the savings streams (MODEL.md 10.3) */
    ROI_OUT_COUNT
} roi_output;

/* JSON/report name of an output ("npv", "npv_horizon", ...). */
const char *roi_output_name(roi_output o);

/* The outputs' names in roi_output order, NULL-ended. */
extern const char *const roi_output_names[ROI_OUT_COUNT + 1];

struct roi_model;
/* Nonzero when output o applies to model m, so that reports show it: total_savings
 * needs a savings stream. Every output is computed for every case. */
int roi_model_output_present(const struct roi_model *m, roi_output o);

/* ---- structure ------------------------------------------------------------------- */

/*
 * The structures below hold one declaration each; engine/params.c lists their fields
 * (type, default, check) once, and roi_model_validate applies those defaults and
 * checks. A field the scenario did not give is ROI_NONE (a node), ROI_PERIOD_NONE (a
 * quarter) or NULL.
 */

/*
 * A quarter that may be an event of the trial (MODEL.md 11.1): k quarters after a
 * version's release. A field of type ROI_PARAM_WHEN keeps its fixed quarter in a
 * roi_period slot and this beside it. Zero (a model built in C) means "not given":
 * the fixed quarter is used when there is one.
 */
#define ROI_EVENT_QUARTER (-1) /* roi_event.of: the fixed quarter of the slot */

typedef struct roi_event {
    int of;          /* 0: not given; ROI_EVENT_QUARTER: the fixed quarter; k >= 1: the
                      * release of version k - 1, plus offset */
    roi_ref offset;  /* of >= 1: whole quarters after that release (a node) */
} roi_event;

/* The release quarter of a version that never ships (cancelled, or given after one
 * that never ships): later than any horizon, and far from int overflow. */
#define ROI_NEVER (1 << 28)

typedef struct roi_version {
    char *name;
    roi_period planned;   /* planned quarter, or ROI_PERIOD_NONE when `after` is used */
    roi_ref after;        /* quarters after the previous version's release (whole) */
    roi_ref slip;         /* whole quarters >= 0 */
    roi_ref score;        /* the score; ROI_NONE: previous version's score + improvement */
    roi_ref improvement;  /* over the previous version's score (used when score is absent) */
    int cancel;           /* nonzero: it never ships, nor does any version given after it */
    char *title;          /* optional (owned) */
} roi_version;

typedef struct roi_stage {
    int offset;           /* quarters after the surface's effective launch, >= 0 */
    roi_ref share;        /* cumulative share of addressable users unlocked, (0, 1]; may
                           * be uncertain (MODEL.md 2) */
} roi_stage;

typedef struct roi_surface {
    char *name;
    roi_period launch;    /* planned launch quarter */
    roi_ref delay;        /* whole quarters >= 0 */
    roi_ref addressable;  /* A_s: monthly users at t = 0, >= 0 */
    roi_ref growth;       /* g_s: annual growth of A_s, > -1 */
    roi_stage *stages;    /* owned; offsets strictly increasing, shares nondecreasing */
    int n_stages;         /* >= 1 */
    roi_ref ceiling;      /* c_s in [0, 1] */
    roi_ref p, q;         /* Bass innovation (> 0) and imitation (>= 0) */
    roi_ref f0;           /* installed base in [0, 1] */
    roi_ref interactions; /* E_s per active user per quarter, >= 0 */
    roi_ref reasoning;    /* rho_s in [0, 1] */
    char *title;          /* optional (owned) */
} roi_surface;

typedef enum roi_spend_kind {
    ROI_SPEND_LUMP, ROI_SPEND_SCHEDULE, ROI_SPEND_VESTING, ROI_SPEND_INFERENCE
} roi_spend_kind;

typedef enum roi_spend_class { ROI_CLASS_INVESTMENT, ROI_CLASS_OPERATING } roi_spend_class;

typedef struct roi_spend {
    char *name;
    roi_spend_kind kind;
    roi_spend_class cls;
    roi_period from;          /* lump: its quarter; others: first quarter */
    roi_period to;            /* schedule, inference: last quarter (inclusive); else unused */
    roi_event from_event;     /* from (or quarter) as an event; of == 0: `from` */
    roi_event to_event;       /* to as an event; of == 0: `to` (schedule), the horizon's
                               * end (inference) */
    roi_ref amount;           /* lump, schedule (per quarter) */
    roi_ref growth;           /* schedule: annual growth g (default 0) */
    roi_ref residual_fraction;  /* lump: share held (ROI_NONE: no residual) */
    roi_ref residual_valuation; /* lump: valuation at horizon end */
    roi_ref heads, package;   /* vesting */
    roi_ref vest_quarters;    /* vesting: V >= 1 whole quarters (may be uncertain) */
    roi_ref attrition;        /* vesting: a per quarter in [0, 1) */
    roi_ref unit_cost;        /* inference: c0 dollars per fast-mode interaction */
    roi_ref reasoning_cost;   /* inference: k_r >= 0 */
    roi_ref cost_decline;     /* inference: d per year in [0, 1] */
    char *title;              /* optional (owned) */
} roi_spend;

typedef enum roi_stream_kind {
    ROI_STREAM_UPLIFT, ROI_STREAM_PER_INTERACTION, ROI_STREAM_SUBSCRIPTION,
    ROI_STREAM_MARKET_SHARE, ROI_STREAM_SCHEDULE
} roi_stream_kind;

/* What a stream's money is (MODEL.md 10.3): income, or costs the investment avoids.
 * Both enter the cash flow and the ROI multiple's benefits; reports keep them apart. */
typedef enum roi_stream_class { ROI_STREAM_REVENUE = 0, ROI_STREAM_SAVINGS } roi_stream_class;

typedef struct roi_stream {
    char *name;
    roi_stream_kind kind;
    roi_stream_class cls;   /* revenue (the default) or savings */
    roi_period from;        /* earns from this quarter on */
    roi_period to;          /* last quarter (inclusive): schedule always, others when
                             * to_event.of != 0 */
    roi_event from_event;   /* from as an event; of == 0: `from` */
    roi_event to_event;     /* to as an event; of == 0: `to` (schedule), else no end (the
                             * horizon's last quarter) */
    roi_ref amount;         /* schedule: per quarter at `from`, grows by growth */
    int *surfaces;          /* per_interaction, subscription: surface indices (owned) */
    int n_surfaces;
    roi_ref base, growth, lift;         /* uplift: B0, g_B, u */
    roi_ref rate, ratio;                /* per_interaction */
    roi_ref conversion, price;          /* subscription */
    roi_ref market, share, cap;         /* market_share: M0, share, cap; growth = g_M */
    char *title;                        /* optional (owned) */
} roi_stream;

/* Series a milestone can test (unique reach, unique active users, revenue, ...). */
typedef struct roi_milestone {
    char *name;         /* JSON key, e.g. "prob_unique_reach_3e9_2026Q2" */
    int series;         /* index into the model's series (roi_model_series_index) */
    roi_period period;
    double threshold;   /* P(series[period] >= threshold) */
} roi_milestone;

/*
 * A condition on one trial, over references to scalar outputs and uncertain inputs:
 * a postfix program whose steps push a truth value (a reference compared with a
 * number, or a constant) or combine the values before them (and, or, not). Plain data
 * owned by its holder and released with roi_cond_clear; condition.h builds it (from
 * text, or step by step from a scenario's structure) and evaluates it.
 */
typedef enum roi_cond_ref_kind { ROI_COND_OUTPUT, ROI_COND_INPUT } roi_cond_ref_kind;

typedef struct roi_cond_ref {
    roi_cond_ref_kind kind;
    int index;   /* roi_output for ROI_COND_OUTPUT; graph node index for ROI_COND_INPUT */
} roi_cond_ref;

typedef struct roi_cond_step {
    roi_node_kind op; /* ROI_NODE_LT .. ROI_NODE_NE: refs[ref] op value (NaN compares
                       * false, and is not ~= anything); ROI_NODE_CONST: value != 0;
                       * ROI_NODE_AND, ROI_NODE_OR, ROI_NODE_NOT: on the values before */
    int ref;          /* comparisons: index into refs */
    double value;
} roi_cond_step;

typedef struct roi_cond {
    roi_cond_step *steps; /* owned */
    int n_steps, cap;
    roi_cond_ref *refs;   /* owned: each reference once, in order of first use */
    int n_refs;
} roi_cond;

/* Releases what c holds and empties it (c itself is not freed). NULL is allowed. */
void roi_cond_clear(roi_cond *c);

/* A conditional view: statistics over the trials where `cond` holds. */
typedef struct roi_view {
    char *name;     /* owned */
    char *where;    /* owned: the condition as the author wrote it (for reports) */
    char *title;    /* optional (owned) */
    roi_cond cond;  /* owned: the condition itself */
} roi_view;

/* A stress test: rerun with input `input` restricted to its percentile band
 * [low, high] (levels in [0, 1]). */
typedef struct roi_stress {
    char *name;     /* owned */
    char *input;    /* owned: an input's name */
    double low, high;
    char *title;    /* optional (owned) */
} roi_stress;

/* A parameter a what-if (or --set) changed from its parent: its path, the parent's
 * value and this scenario's, as text in the scenario language ("beta(8, 2)", "4"). */
typedef struct roi_change {
    char *path, *parent, *value;   /* owned */
} roi_change;

typedef struct roi_model {
    char *name;                /* scenario name, e.g. "base" */
    char *title;               /* human title */
    char *file;                /* scenario file path (for reports) */
    char **sources;            /* the files the load read: the scenario first, then each
                                * parent it extends, as opened (owned, n_sources of them) */
    int n_sources;
    char **notes;              /* what the load dropped or adapted rather than refused (a
                                * parent's correlation or stress of an input a what-if
                                * fixed), "file:line: note: ..." (owned, n_notes of them) */
    int n_notes;
    roi_change *changes;       /* what this scenario changes from its parents, by path
                                * (owned, n_changes of them) */
    int n_changes;
    roi_graph graph;           /* owns every node */

    /* Time and money (section 1) */
    int start_year, start_q;   /* the horizon's first quarter */
    int periods;               /* T >= 1 */
    roi_ref discount;          /* annual r > -1 */
    int terminal;              /* nonzero: add terminal value (0 or 1) */
    roi_ref tv_growth;         /* g_tv < r */
    char *currency;            /* ISO 4217 code of every amount ("EUR"); NULL: USD (owned) */

    /* Quality track (section 3); optional: no versions, no track (m_t = 1) */
    roi_version *versions; int n_versions;
    roi_ref frontier_score;    /* F0 */
    roi_ref frontier_slope;    /* points per year */
    roi_ref quality_beta;      /* beta >= 0 */
    roi_ref gap_ref;           /* G_ref, or ROI_NONE: F0 - first version's score */
    roi_ref m_lo, m_hi;        /* clamp of the multiplier, 0 <= m_lo <= m_hi */

    /* Family of apps (section 4); optional (MODEL.md 10.1) */
    roi_ref people;            /* P0 > 0; ROI_NONE: no family */
    roi_ref people_growth;     /* g_P */

    roi_surface *surfaces; int n_surfaces;
    roi_spend *spend; int n_spend;
    roi_stream *streams; int n_streams;
    roi_milestone *milestones; int n_milestones;

    /* Questions asked of the model: correlations and grids (sampling.h, search.h),
     * views and stresses (analysis.h). */
    struct roi_correlation *correlations; int n_correlations;
    struct roi_goal_spec *goals; int n_goals;
    struct roi_sweep_spec *sweeps; int n_sweeps;
    roi_view *views; int n_views;
    roi_stress *stresses; int n_stresses;
    struct roi_decision_spec *decisions; int n_decisions;
} roi_model;

/* ---- analysis declarations: correlations, goal seeks, sweeps ------------------------ */

/* A requested rank (Spearman) correlation between two uncertain inputs, by name. */
typedef struct roi_correlation {
    char *a, *b;          /* input names (owned) */
    double rank;          /* in (-1, 1) */
} roi_correlation;

/* How a goal seek or sweep sets its input to the value x being tried. */
typedef enum roi_override_mode {
    ROI_OVERRIDE_VALUE,   /* the input is x in every trial (a distribution becomes fixed) */
    ROI_OVERRIDE_SHIFT,   /* x is added to every draw (location change, shape kept) */
    ROI_OVERRIDE_SCALE    /* every draw is multiplied by x */
} roi_override_mode;

/* The statistic a goal seek or sweep reads from one output. */
typedef enum roi_stat_kind {
    ROI_STAT_MEAN,          /* mean of the defined values */
    ROI_STAT_PROB_POSITIVE, /* share of defined values > 0 */
    ROI_STAT_PERCENTILE     /* PERCENTILE.INC at `level` */
} roi_stat_kind;

typedef struct roi_stat {
    roi_output output;
    roi_stat_kind kind;
    double level;         /* ROI_STAT_PERCENTILE: in (0, 1) */
} roi_stat;

/* goal "name" { input = ..., output = ..., stat = ..., target = ..., low, high } */
typedef struct roi_goal_spec {
    char *name;           /* as declared (owned) */
    char *input;          /* the parameter path, e.g. "core_ad_uplift.lift" (owned) */
    roi_ref node;         /* its node in the graph */
    roi_override_mode mode;
    roi_stat stat;
    char *stat_name;      /* the statistic as written, e.g. "prob_positive" (owned) */
    double target, low, high;
    size_t trials;        /* trials per evaluation; 0: the run's */
    char *title;          /* optional (owned) */
} roi_goal_spec;

/* sweep "name" { inputs = {...}, values = {...}, output = ..., stat = ... } */
typedef struct roi_sweep_spec {
    char *name;           /* owned */
    int n_inputs;         /* 1 or 2 */
    char *input[2];       /* parameter paths (owned) */
    roi_ref node[2];
    roi_override_mode mode;
    double *values[2];    /* grid values per input (owned) */
    int n_values[2];
    roi_stat stat;
    char *stat_name;      /* owned */
    size_t trials;        /* trials per cell; 0: the run's */
    char *title;          /* optional (owned) */
} roi_sweep_spec;

/*
 * decision "name" { options = {...}, output = ..., signals = {...} }: a choice between
 * scenarios of the same run at a gate, and the inputs that would be known there
 * (MODEL.md 11; evaluated by decision.h).
 */
typedef struct roi_decision_spec {
    char *name;           /* as declared (owned) */
    char **options;       /* scenario names, two or more, distinct (owned) */
    int n_options;
    roi_output output;    /* what the choice maximises; defined in every trial */
    char **signals;       /* parameter paths of uncertain inputs known at the gate (owned) */
    roi_ref *signal_nodes;/* their nodes in this model's graph (owned) */
    int n_signals;
    char *title;          /* optional (owned) */
} roi_decision_spec;

/* Nonzero when output o is defined in every trial (irr, payback and roi_multiple can be
 * undefined: MODEL.md 7), so that a decision may maximise it. */
int roi_output_always_defined(roi_output o);

/* Allocates an empty model (zeroed, graph initialised). Caller frees with roi_model_free. */
roi_model *roi_model_new(void);
/* Frees the model and everything it owns. NULL is allowed. */
void roi_model_free(roi_model *m);

/* The model's currency code: m->currency, or "USD" when the scenario states none. */
const char *roi_model_currency(const roi_model *m);

/* The symbol reports write before an amount in currency `code` ("$" for USD, "€" for
 * EUR, "£" for GBP, "¥" for JPY, ...), or NULL for a code without one in this table
 * (reports then write the code: "CHF 12.0M"). */
const char *roi_currency_symbol(const char *code);

/* "2026Q2" -> year 2026, quarter 2; returns ROI_ERR_PARAM on a malformed label. */
roi_status roi_quarter_parse(const char *label, int *year, int *q, const char *path,
                             roi_error *err);
/* Period index of year/quarter relative to the model's start (may be negative). */
roi_period roi_model_period(const roi_model *m, int year, int q);
/* Writes the label of period t ("2026Q3") into buf (at least 8 bytes). */
void roi_model_period_label(const roi_model *m, roi_period t, char *buf, size_t size);

/*
 * Gives every absent field that the parameter table (model_params.h) gives a default
 * its default: a constant node for a value, one stage {0, 1} for stages, every surface
 * for a per-interaction stream's surfaces, the value itself for a plain field the
 * conversion marked unset. roi_model_validate calls it first; a model built in C and
 * run without validation must call it before roi_model_trial. ROI_ERR_NOMEM when a
 * default cannot be added.
 */
roi_status roi_model_defaults(roi_model *m, roi_error *err);

/*
 * Completes and checks the model: roi_model_defaults, then every field is checked against
 * its row (range, support of an uncertain value, whole numbers, quarters inside the
 * horizon), and the rules that relate fields (planned or after, g_tv < r, stage order,
 * min <= max, ...). On failure returns ROI_ERR_PARAM with "path: must be ..., got ..."
 * in err. Paths: "horizon.discount", "<version>.slip", "<surface>.adoption.p",
 * "<spend line>.amount", "<stream>.lift", ... The model must not be in use by a run
 * (defaults may grow its graph).
 */
roi_status roi_model_validate(roi_model *m, roi_error *err);

/*
 * Nonzero when the model has section `kind` ("family", "frontier", "quality"; the
 * horizon always): the scenario gave one of its fields. Only the horizon is required
 * (MODEL.md 10.1): without versions there is no quality track (m_t = 1, t_launch = 0);
 * without a family the unique series are plain sums over the surfaces (surfaces
 * assumed to reach different people); without surfaces no reach or user series.
 */
int roi_model_has_section(const roi_model *m, const char *kind);

/* ---- per-period series ------------------------------------------------------------- */
/*
 * Series order: the fixed ones first (ROI_SERIES_*), then one per stream
 * ("revenue.<stream>", or "savings.<stream>" for a savings stream; the fixed
 * "revenue" sums the revenue streams only), one per spend line ("spend.<line>"), one per surface
 * ("active.<surface>").
 */
enum {
    ROI_SERIES_CASH_FLOW,      /* "cash_flow" */
    ROI_SERIES_CUMULATIVE,     /* "cumulative_cash_flow" */
    ROI_SERIES_REVENUE,        /* "revenue" */
    ROI_SERIES_SPEND,          /* "spend" */
    ROI_SERIES_UNIQUE_REACH,   /* "unique_reach" */
    ROI_SERIES_UNIQUE_ACTIVE,  /* "unique_active" */
    ROI_SERIES_SCORE,          /* "score" */
    ROI_SERIES_QUALITY,        /* "quality_multiplier" */
    ROI_SERIES_FIXED_COUNT
};

int roi_model_series_count(const roi_model *m);
/* Nonzero when series s applies to the case, so that reports show it: score and
 * quality_multiplier need versions, unique_reach and unique_active surfaces (MODEL.md
 * 10.1). A series that does not apply is still computed (zeros, or m_t = 1). */
int roi_model_series_present(const roi_model *m, int s);
/* Writes series i's name into buf. */
void roi_model_series_name(const roi_model *m, int i, char *buf, size_t size);
/* Index of the series named `name`, or -1. */
int roi_model_series_index(const roi_model *m, const char *name);

/* ---- one trial ------------------------------------------------------------------------ */

/* Scratch space for roi_model_trial; one per thread. */
typedef struct roi_trial_ws roi_trial_ws;
roi_trial_ws *roi_trial_ws_new(const roi_model *m);
void roi_trial_ws_free(roi_trial_ws *ws);

/*
 * Computes one trial from node values `vals` (from roi_graph_eval):
 * out[ROI_OUT_COUNT] receives the scalar outputs (NaN for undefined irr / payback
 * never); series, when not NULL, receives roi_model_series_count(m) x m->periods
 * values, series-major (series[s * periods + t]). Allocates nothing.
 */
void roi_model_trial(const roi_model *m, const double *vals, roi_trial_ws *ws,
                     double *out, double *series);

#endif
