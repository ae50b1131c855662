/*
 * model_params.h - the parameter table: every field of every scenario declaration,
 * once. Part of the model module: its rows describe model.h's structures.
 *
 * Responsible for: one row per field of each declaration kind (horizon, family,
 * frontier, quality, version, surface, spend, revenue, milestone, view, stress, goal,
 * sweep, decision): the field's name as a scenario writes it, its type, where it lives in the C
 * struct, whether it is required or what its default is, and its check (range, whole
 * number). The same rows drive the scenario language's schema (lua/convert.c pushes
 * them into the Lua state, where roisim.lua builds its field lists, required fields,
 * kinds and "did you mean" candidates from them), the conversion of a resolved
 * scenario into a roi_model (lua/convert.c) and the defaults and checks of
 * roi_model_validate (model.c). Adding a field is one row here, plus the model code
 * that uses it. Plain data: knows nothing of Lua. Not responsible for the rules that
 * relate several fields (planned or after, g_tv < r, stage order): model.c states
 * those beside the checks the rows drive.
 */
#ifndef ROI_MODEL_PARAMS_H
#define ROI_MODEL_PARAMS_H

#include <stddef.h>

/* What a field holds, and so how a scenario writes it and where C keeps it. */
typedef enum roi_param_type {
    ROI_PARAM_VALUE,          /* a number or an uncertain value: roi_ref (a graph node) */
    ROI_PARAM_NUMBER,         /* a plain number: double */
    ROI_PARAM_WHOLE,          /* a plain whole number: int */
    ROI_PARAM_COUNT,          /* a plain whole number: size_t */
    ROI_PARAM_QUARTER,        /* "2026Q2": roi_period (relative to the horizon's start) */
    ROI_PARAM_QUARTER_OR_END, /* a quarter or "end" (the horizon's last): roi_period */
    ROI_PARAM_WHEN,           /* a quarter, "end", or an event release("v2") + k: the
                               * roi_period slot and (aux) its roi_event */
    ROI_PARAM_START,          /* the horizon's first quarter: roi_model start_year, start_q */
    ROI_PARAM_END,            /* the horizon's last quarter: roi_model periods */
    ROI_PARAM_BOOLEAN,        /* true or false: int */
    ROI_PARAM_STRING,         /* text: char * (owned) */
    ROI_PARAM_ENUM,           /* one of `names`: int (its index) */
    ROI_PARAM_GROUP,          /* a table of the rows named "<group>.<field>": no slot */
    ROI_PARAM_STAGES,         /* {offset, share} pairs (share a node): roi_stage * (owned), int count */
    ROI_PARAM_SURFACES,       /* "all" or surface names: int * indices (owned), int count */
    ROI_PARAM_SERIES,         /* a series name: int (roi_model_series_index) */
    ROI_PARAM_INPUT,          /* an uncertain input's name: char * (owned) */
    ROI_PARAM_TARGET,         /* a parameter path: char * (owned), its node roi_ref */
    ROI_PARAM_TARGETS,        /* one or two parameter paths: char *[2], roi_ref[2], int count */
    ROI_PARAM_GRID,           /* a list of numbers per target: double *[2] (owned), int[2] */
    ROI_PARAM_STAT,           /* a statistic ("mean", "prob_positive", "median", "p5"): char * */
    ROI_PARAM_CONDITION,      /* a condition: its text char * (owned), roi_cond (owned) */
    ROI_PARAM_NAMES,          /* a list of names: char ** (owned, each owned), int count */
    ROI_PARAM_INPUTS,         /* a list of parameter paths: char ** (owned, each owned), (aux)
                               * roi_ref * their nodes (owned), int count */
    ROI_PARAM_TYPE_COUNT
} roi_param_type;

/* Whether a field must be given, and what its absence means. */
typedef enum roi_param_need {
    ROI_PARAM_REQUIRED, /* must be given (in a group: when the group is given) */
    ROI_PARAM_OPTIONAL, /* may be absent; what absence means is the row's `doc` */
    ROI_PARAM_DEFAULT   /* absent means `dflt` (or `kind_dflt[kind]`) */
} roi_param_need;

/* What a VALUE or NUMBER field measures, so reports can show it as what it is ($0.67B,
 * 1.6%, 2 quarters) rather than by its size. Says nothing of how it is shown. */
typedef enum roi_measure {
    ROI_MEASURE_NONE,        /* not said (or not a number): reports go by the size */
    ROI_MEASURE_MONEY,       /* an amount of the case's currency */
    ROI_MEASURE_SHARE,       /* a fraction of a whole (0.25: a quarter of it) */
    ROI_MEASURE_RATE,        /* a yearly or quarterly rate of change (0.05: 5% a year) */
    ROI_MEASURE_COUNT,       /* people, users, interactions, heads */
    ROI_MEASURE_QUARTERS,    /* a number of quarters */
    ROI_MEASURE_MULTIPLIER,  /* a multiple of something else (1.5: one and a half times) */
    ROI_MEASURE_SCORE,       /* points of the quality score */
    ROI_MEASURE_COEFFICIENT, /* a coefficient of a formula, without a unit */
    ROI_MEASURE_COUNT_OF     /* the number of measures, not one */
} roi_measure;

/* The values a number may take: [lo, hi], either end open or infinite. */
typedef struct roi_range {
    double lo, hi;
    int lo_open, hi_open; /* nonzero: the bound itself is excluded */
} roi_range;

typedef struct roi_param {
    const char *name;         /* as written; "adoption.p" for a field of the group adoption */
    roi_param_type type;
    size_t offset;            /* the slot in the declaration's struct (GROUP: none) */
    size_t aux;               /* a second slot: TARGET its roi_ref, TARGETS their roi_ref[2],
                               * CONDITION the roi_cond, START the int quarter (1..4), WHEN
                               * the roi_event */
    size_t count;             /* the count: STAGES, SURFACES, TARGETS an int; GRID int[2] */
    roi_param_need need;      /* in the kinds of `required_in`: ROI_PARAM_REQUIRED */
    double dflt;              /* DEFAULT: the value (ENUM: its index; BOOLEAN: 0 or 1;
                               * STAGES: the share of one stage at offset 0; SURFACES: all) */
    const double *kind_dflt;  /* DEFAULT by kind: the default of kind k, or NULL */
    unsigned kinds;           /* kinded declarations: the kinds (bit k: kind k) that have the
                               * field; 0: every kind */
    unsigned required_in;     /* kinds in which the field is required whatever `need` says */
    roi_range range;          /* VALUE, NUMBER, WHOLE, COUNT: what the value must lie in */
    int whole;                /* VALUE: only whole numbers */
    const char *unit;         /* WHOLE: what it counts ("quarters"), for messages; or NULL */
    const char *const *names; /* ENUM: the names, in the order of the C enum; NULL-ended */
    const char *doc;          /* what the field is, in a few words (docs, --help) */
    roi_measure measure;      /* VALUE, NUMBER: what it measures */
} roi_param;

/* How a declaration is written, which decides its messages and how it is named. */
typedef enum roi_decl_style {
    ROI_DECL_SECTION,  /* horizon { ... }: one per scenario; fields live in roi_model */
    ROI_DECL_OBJECT,   /* version "v2" { ... }: named by an identifier; a list in roi_model */
    ROI_DECL_QUESTION  /* goal "any text" { ... }: a question asked of the model; a list */
} roi_decl_style;

typedef struct roi_decl {
    const char *kind;            /* "horizon", "version", ... as written */
    roi_decl_style style;
    int required;                /* SECTION: must be declared; OBJECT: at least one */
    const roi_param *params;
    int n_params;
    const char *const *kinds;    /* declarations with a `kind` field: the kind names in
                                  * enum order (NULL-ended); else NULL */
    size_t kind_offset;          /* kinded: the int slot of the kind */
    size_t size;                 /* OBJECT, QUESTION: sizeof one item */
    size_t list_offset;          /* OBJECT, QUESTION: the items' array in roi_model */
    size_t count_offset;         /* OBJECT, QUESTION: their int count in roi_model */
    size_t name_offset;          /* OBJECT, QUESTION: the item's char *name */
} roi_decl;

/* Unset markers the conversion leaves in a slot that the scenario did not give. */
#define ROI_PARAM_UNSET_INT (-2147483647 - 1) /* ENUM, BOOLEAN, WHOLE, SERIES; = ROI_PERIOD_NONE */
#define ROI_PARAM_UNSET_COUNT ((size_t)-1)     /* COUNT */

/* The declaration kinds, in the order a scenario's parts are converted and checked
 * (the horizon first: quarters are relative to it; surfaces before the streams that
 * name them; analyses last). */
extern const roi_decl roi_decls[];
extern const int roi_decl_count;

/* The declaration kind named `kind`, or NULL. */
const roi_decl *roi_decl_find(const char *kind);

/* The row named `name` of d, or NULL. */
const roi_param *roi_param_find(const roi_decl *d, const char *name);

/* The row of d that holds its kind (kinded declarations), or NULL. */
const roi_param *roi_decl_kind_param(const roi_decl *d);

/* The name a scenario writes for a type ("value", "number", "quarter", ...): what
 * the scenario language checks a field against. */
const char *roi_param_type_name(roi_param_type t);

/* The slot of row p in item (the declaration's struct; for a SECTION the roi_model). */
static inline void *roi_param_slot(const roi_param *p, void *item)
{
    return (char *)item + p->offset;
}

/* Nonzero when row p applies to an item of kind `kind` (-1: unknown, applies). */
int roi_param_applies(const roi_param *p, int kind);

/* What row p needs of an item of kind `kind`. */
roi_param_need roi_param_need_in(const roi_param *p, int kind);

/* The default of row p for an item of kind `kind`. */
double roi_param_default(const roi_param *p, int kind);

/* Nonzero when v lies in r. NaN never does. */
int roi_range_contains(roi_range r, double v);

/* "must be > 0", "must be in [0, 1)", "must be a finite number" for r, into buf. */
void roi_range_text(roi_range r, char *buf, size_t size);

/*
 * Writes row p's rule for a plain whole number ("must be a whole number of quarters
 * >= 1") into buf; roi_param_whole_ok says whether v keeps it. A WHOLE (an int) must
 * also lie within +-1e6, where it fits with room to add quarters.
 */
void roi_param_whole_text(const roi_param *p, char *buf, size_t size);
int roi_param_whole_ok(const roi_param *p, double v);

/* "money", "share", "rate", "count", "quarters", "multiplier", "score", "coefficient"
 * or "" (NONE): what a measure is called in reports' data. */
const char *roi_measure_name(roi_measure ms);

/* ---- items: the structs a declaration kind fills ------------------------------------- */

struct roi_model;

/* How many items of kind d m holds (a SECTION: 1, the model itself). */
int roi_decl_items(const roi_decl *d, const struct roi_model *m);

/* Item i of kind d in m (a SECTION: m itself). */
void *roi_decl_item(const roi_decl *d, struct roi_model *m, int i);

/* The item's kind (kinded declarations; -1 when unset or out of range), else -1. */
int roi_decl_item_kind(const roi_decl *d, const void *item);

/* The name in messages: the item's name, or a SECTION's kind ("horizon"). */
const char *roi_decl_item_name(const roi_decl *d, const void *item);

/* Sets every slot of item to "not given" (ROI_NONE, ROI_PERIOD_NONE, the unset markers,
 * NULL, 0), as the conversion does before it fills what the scenario gave. */
void roi_param_unset_all(const roi_decl *d, void *item);

/* Nonzero when row p's slot in item holds a value (given, or a default applied). */
int roi_param_is_set(const roi_param *p, const void *item);

/* Frees what item's slots own (strings, lists, a condition; not the item's name). */
void roi_param_free_all(const roi_decl *d, void *item);

/*
 * What the uncertain input or parameter path `path` of m measures, from the field it
 * feeds: "core_ad_uplift.lift" is the lift of the revenue line core_ad_uplift, a share;
 * "horizon.discount" a rate; a conditional value's branch ("v3.improvement.then") that
 * of its field. ROI_MEASURE_NONE for a named expression or an unknown path.
 */
roi_measure roi_model_input_measure(const struct roi_model *m, const char *path);

#endif
