"""What the catalog tests need to know about each assignment, in one record per assignment.

tests/test_catalogs.py grades every :class:`CatalogSpec` the same way; an assignment joins by
adding its spec to :data:`SPECS`. A spec says which test cells grade which answer cell (and with
how many points), which graded functions each answer cell defines, the catalogs of wrong, right
and right-but-for-one-requirement entries, and which tests an answer cell reaches beyond its own
(the tuning cell trains with the student's own loss and SGD).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from . import (
    features_right,
    features_wrong,
    logistic_right,
    logistic_wrong,
    optimization_right,
    optimization_wrong,
    softmax_right,
    softmax_wrong,
    svm_right,
    svm_wrong,
)
from .harness import Entry, bundle, bundle_wrong, members

BLANK = "blank"


@dataclass(frozen=True)
class CatalogSpec:
    """One assignment's catalogs and the map from its answer cells to the tests that grade them."""

    assignment: str
    #: answer cell -> test cell -> its points
    tests_of: Mapping[str, Mapping[str, float]]
    #: answer cell -> the graded functions it defines
    functions_of: Mapping[str, frozenset[str]]
    wrong: Sequence[Entry]
    right: Sequence[Entry]
    #: right entry -> the graded function it rewrites (or the answer cell, for a cell of no function)
    varies: Callable[[Entry], str]
    #: right but for one requirement: each must lose exactly that requirement's share (graded alone)
    partial: Sequence[Entry] = ()
    #: answer cell -> further test -> the most points a mistake in that cell may cost there
    also_used_by: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: wrong entries that stop the tuning cell altogether: they may cost all of its tests' points
    breaks_training: frozenset[str] = frozenset()
    min_wrong: int = 10  #: entries that must lose points, at least
    min_right: int = 15  #: differently written right versions of every graded function, at least
    #: answer cell -> differently written right versions of the whole cell, at least
    min_right_cells: Mapping[str, int] = field(default_factory=dict)
    #: entries (or wrong bundles) whose submissions plain nbgrader grades again, with two right bundles
    plain_nbgrader: Sequence[str] = ()
    #: answer cell -> a quick right version of it, used by the right bundles that do not replace it
    #: (a one-pair tuning grid: the bundle's own loss and SGD still train and must reach the bar)
    fast_cells: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def test_points(self) -> dict[str, float]:
        return {test: points for tests in self.tests_of.values() for test, points in tests.items()}

    @property
    def full_marks(self) -> float:
        return sum(self.test_points.values())

    def own_tests(self, entry: Entry) -> set[str]:
        """The test cells that grade the answer cells ``entry`` replaces."""
        return {t for cell in entry.overrides for t in self.tests_of[cell]}

    def reach(self, entry: Entry) -> dict[str, float]:
        """Test -> the most points ``entry`` may lose there: all of its own tests, a share of others."""
        out = {t: float(self.test_points[t]) for t in self.own_tests(entry)}
        for cell in entry.overrides:
            for test, cap in self.also_used_by.get(cell, {}).items():
                cap = self.test_points[test] if entry.name in self.breaks_training else cap
                out[test] = max(out.get(test, 0.0), float(cap))
        return out

    @cached_property
    def wrong_bundles(self) -> list[Entry]:
        return bundle_wrong(self.wrong, self.reach, prefix="wrong")

    @cached_property
    def wrong_bundle_of(self) -> dict[str, str]:
        return members(self.wrong_bundles)

    @cached_property
    def right_bundles(self) -> list[Entry]:
        return bundle(self.right, prefix="right", varies=self.varies)

    def quick(self, right_bundle: Entry) -> Entry:
        """``right_bundle`` with the spec's fast cells in the answer cells it does not rewrite."""
        extra = {cell: src for cell, src in self.fast_cells.items() if cell not in right_bundle.overrides}
        return Entry(right_bundle.name, right_bundle.mistake, {**right_bundle.overrides, **extra},
                     keeps=right_bundle.keeps)

    @cached_property
    def right_bundle_of(self) -> dict[str, str]:
        return members(self.right_bundles)

    @property
    def self_checked(self) -> str:
        """The right bundle the student's self-check runs."""
        return self.right_bundles[1].name

    @cached_property
    def plain_students(self) -> list[str]:
        """The submissions plain nbgrader grades again: those of ``plain_nbgrader``, two right bundles."""
        where = {**self.wrong_bundle_of, **{e.name: e.name for e in self.partial}}
        named = [where.get(name, name) for name in self.plain_nbgrader]  # an entry, or a bundle by name
        return list(dict.fromkeys([*named, self.right_bundles[0].name, self.right_bundles[-1].name]))

    def quick_wrong(self, wrong_bundle: Entry) -> Entry:
        """``wrong_bundle`` with the fast cells no member rewrites or asserts anything about."""
        parts = [e for e in self.wrong if self.wrong_bundle_of[e.name] == wrong_bundle.name]
        asserted = set().union(*(set(e.must_fail) | set(e.exact_loss) | set(e.keeps) for e in parts))
        extra = {cell: src for cell, src in self.fast_cells.items()
                 if cell not in wrong_bundle.overrides and not asserted & set(self.tests_of[cell])}
        return Entry(wrong_bundle.name, wrong_bundle.mistake, {**wrong_bundle.overrides, **extra},
                     must_fail=wrong_bundle.must_fail, gap=wrong_bundle.gap)

    def submissions(self, quick: bool = True) -> list[Entry]:
        """Everything graded in the batch but the reference and the blank version.

        ``quick``: right bundles, and wrong bundles none of whose members asserts anything about
        the tuning tests, tune on the fast cells (the fast pairs are the best of the grid on
        digits, so other datasets grade the full grid).
        """
        right = [self.quick(b) for b in self.right_bundles] if quick else self.right_bundles
        wrong = [self.quick_wrong(b) for b in self.wrong_bundles] if quick else self.wrong_bundles
        return [*wrong, *right, *self.partial]


# -- svm ----------------------------------------------------------------------------------------------

_SVM_TUNING = {"test_tuning", "test_tuning_hidden"}
SVM = CatalogSpec(
    assignment="svm",
    tests_of={
        "score_function": {"test_score_function": 1, "test_score_function_hidden": 1},
        "svm_loss_naive": {"test_svm_loss_naive": 2, "test_svm_loss_naive_hidden": 3},
        "svm_loss_vectorized": {"test_svm_loss_vectorized": 2, "test_svm_loss_vectorized_hidden": 3},
        "train_predict": {"test_train_predict": 2, "test_train_predict_hidden": 3},
        "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
    },
    functions_of={
        "score_function": frozenset({"linear_scores", "bias_trick"}),
        "svm_loss_naive": frozenset({"svm_loss_naive"}),
        "svm_loss_vectorized": frozenset({"svm_loss_vectorized"}),
        "train_predict": frozenset({"train_linear_classifier", "predict_linear_classifier"}),
    },
    wrong=svm_wrong.CATALOG,
    right=svm_right.RIGHT,
    varies=svm_right.function_of,
    # The tuning cell trains with the vectorized loss and the training code; no other test uses
    # another answer cell's functions (the visible vectorized test compares with literal values,
    # not with the naive version; the training tests use their own losses).
    also_used_by={"svm_loss_vectorized": {t: 2 for t in _SVM_TUNING},
                  "train_predict": {t: 2 for t in _SVM_TUNING}},
    min_wrong=14,
    min_right_cells={"tuning": 3},
    # A result read through the bridge (a 1-element array), a static check on the source (no
    # loops), arrays modified in place in the sandbox.
    plain_nbgrader=("naive_loss_as_array", "vectorized_loops_over_examples", "train_mutates_callers_W"),
    fast_cells={"tuning": svm_right.FAST_TUNING},
)

# -- softmax ------------------------------------------------------------------------------------------

#: The tuning cell trains with the student's own vectorized loss and SGD, so those two answer cells
#: reach the tuning tests, but only through the accuracy the training reaches: the bar's share of
#: each (the bookkeeping does not depend on them).
_SOFTMAX_BAR_SHARE = {"test_tuning": 1.0, "test_tuning_hidden": 0.5}
SOFTMAX = CatalogSpec(
    assignment="softmax",
    tests_of={
        "softmax_function": {"test_softmax_function": 1, "test_softmax_function_hidden": 2},
        "softmax_loss_naive": {"test_softmax_loss_naive": 2, "test_softmax_loss_naive_hidden": 3},
        "softmax_loss_vectorized": {"test_softmax_loss_vectorized": 2,
                                    "test_softmax_loss_vectorized_hidden": 3},
        "train_predict": {"test_train_predict": 1},
        "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
    },
    functions_of={
        "softmax_function": frozenset({"sigmoid", "softmax"}),
        "softmax_loss_naive": frozenset({"softmax_loss_naive"}),
        "softmax_loss_vectorized": frozenset({"softmax_loss_vectorized"}),
        "train_predict": frozenset({"train_linear_classifier", "predict_linear_classifier"}),
    },
    wrong=softmax_wrong.CATALOG,
    right=softmax_right.RIGHT,
    varies=lambda e: softmax_right.VARIES[e.name],
    partial=softmax_right.PARTIAL,
    also_used_by={"softmax_loss_vectorized": _SOFTMAX_BAR_SHARE, "train_predict": _SOFTMAX_BAR_SHARE},
    # float() of a loss of shape (1,) raises in the pasted SGD, so the tuning cell never fills
    # ``results``: there is no tuning to grade, bookkeeping included.
    breaks_training=frozenset({"vectorized_loss_as_array"}),
    min_wrong=12,
    min_right_cells={"tuning": 3},
    plain_nbgrader=("naive_log10", "softmax_subtracts_global_max", "vectorized_gradient_loops_over_classes",
                    "train_updates_callers_W", "tuning_keeps_last_W", "canonical_cs231n_naive",
                    "canonical_cs231n_vectorized"),
    fast_cells={"tuning": softmax_right.FAST_TUNING},
)

# -- optimization -------------------------------------------------------------------------------------

#: Every test cell of this notebook exercises only its own answer cell (the training tests bring
#: their own losses).
OPTIMIZATION = CatalogSpec(
    assignment="optimization",
    tests_of={
        "numerical_gradient": {"test_numerical_gradient": 2, "test_numerical_gradient_hidden": 4},
        "svm_loss": {"test_svm_loss": 1},
        "random_search": {"test_random_search": 1, "test_random_search_hidden": 2},
        "random_local_search": {"test_random_local_search": 1, "test_random_local_search_hidden": 2},
        "gradient_descent": {"test_gradient_descent": 1, "test_gradient_descent_hidden": 2},
        "sgd": {"test_sgd": 2, "test_sgd_hidden": 3},
        "lr_schedule": {"test_lr_schedule": 1, "test_lr_schedule_hidden": 1},
    },
    functions_of={
        "numerical_gradient": frozenset({"eval_numerical_gradient", "eval_numerical_gradient_forward"}),
        "svm_loss": frozenset({"svm_loss"}), "random_search": frozenset({"random_search"}),
        "random_local_search": frozenset({"random_local_search"}),
        "gradient_descent": frozenset({"gradient_descent"}), "sgd": frozenset({"sgd"}),
        "lr_schedule": frozenset({"lr_schedule"}),
    },
    wrong=optimization_wrong.CATALOG,
    right=optimization_right.RIGHT,
    varies=lambda e: next(iter(e.overrides)),  # each right entry rewrites its whole cell
    plain_nbgrader=("wrong_01", "wrong_02"),  # the first holds a mistake in every answer cell
    min_wrong=55,  # at least five per answer cell, the near-misses included
    min_right=16,
)

# -- features -----------------------------------------------------------------------------------------

_FEATURES_TESTS = {
    "linear_classifier": {"test_linear_classifier": 2},
    "polar_features": {"test_polar_features": 1, "test_polar_features_hidden": 1},
    "hue_histogram": {"test_hue_histogram": 1, "test_hue_histogram_hidden": 2},
    "hog_features": {"test_hog_features": 2, "test_hog_features_hidden": 3},
    "kmeans": {"test_kmeans": 1, "test_kmeans_hidden": 3},
    "bag_of_words": {"test_bag_of_words": 1, "test_bag_of_words_hidden": 2},
    "normalise_features": {"test_normalise_features": 1, "test_normalise_features_hidden": 2},
    "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
}  # fmt: skip
FEATURES = CatalogSpec(
    assignment="features",
    tests_of=_FEATURES_TESTS,
    # The pasted classifier (linear_classifier) is counted as a whole cell, like tuning.
    functions_of={
        "polar_features": frozenset({"polar_features"}), "hue_histogram": frozenset({"hue_histogram"}),
        "hog_features": frozenset({"hog_features"}), "kmeans": frozenset({"kmeans"}),
        "bag_of_words": frozenset({"bag_of_words"}), "normalise_features": frozenset({"normalise_features"}),
    },
    wrong=features_wrong.CATALOG,
    right=features_right.RIGHT,
    varies=lambda e: next(iter(e.overrides)),
    # The tuning cell extracts every feature family with the student's functions and trains the
    # pasted classifier on them: a mistake in any of those cells may cost the tuning tests.
    also_used_by={cell: _FEATURES_TESTS["tuning"] for cell in _FEATURES_TESTS
                  if cell not in ("polar_features", "tuning")},
    min_wrong=50,
    min_right=16,
    min_right_cells={"linear_classifier": 3, "tuning": 3},
    plain_nbgrader=("reference", "blank", "wrong_01"),  # the solution and the blank one too
    fast_cells={"tuning": features_right.FAST_TUNING},
)

# -- logistic -----------------------------------------------------------------------------------------

_LOGISTIC_TESTS = {
    "sigmoid_functions": {"test_sigmoid_functions": 1, "test_sigmoid_functions_hidden": 2},
    "bce_loss": {"test_bce_loss": 2, "test_bce_loss_hidden": 3},
    "numerical_gradient": {"test_numerical_gradient": 1},
    "gates": {"test_gates": 2, "test_gates_hidden": 2},
    "staged_bce": {"test_staged_bce": 2, "test_staged_bce_hidden": 2},
    "newton": {"test_newton": 2, "test_newton_hidden": 3},
    "training": {"test_training": 2, "test_training_hidden": 2},
}  # fmt: skip
LOGISTIC = CatalogSpec(
    assignment="logistic",
    tests_of=_LOGISTIC_TESTS,
    functions_of={
        "sigmoid_functions": frozenset({"sigmoid", "log_sigmoid"}),
        "bce_loss": frozenset({"bce_loss"}),
        "numerical_gradient": frozenset({"eval_numerical_gradient"}),
        "gates": frozenset({"add_forward", "add_backward", "multiply_forward", "multiply_backward",
                            "max_forward", "max_backward", "sigmoid_forward", "sigmoid_backward"}),
        "staged_bce": frozenset({"bce_forward", "bce_backward"}),
        "newton": frozenset({"bce_hessian", "newton_step"}),
        "training": frozenset({"predict", "train_and_select"}),
    },
    wrong=logistic_wrong.CATALOG,
    right=logistic_right.RIGHT,
    # Each right entry rewrites every function of its cell, so one bundle holds one entry per cell.
    varies=lambda e: next(iter(e.overrides)),
    # The training cell trains with the student's bce_loss: its mistakes may cost the training tests.
    also_used_by={"bce_loss": _LOGISTIC_TESTS["training"]},
    min_wrong=50,
    min_right=16,
    min_right_cells={cell: 16 for cell in _LOGISTIC_TESTS},
    # The solution and the blank one; a result read through the bridge (a loss of shape (1,)), a static
    # check (inv) and arrays changed in place in the sandbox (dout), each in a bundle with other mistakes.
    plain_nbgrader=("reference", "blank", "bce_loss_as_array", "newton_step_inverts",
                    "multiply_backward_in_place"),
    fast_cells={"training": logistic_right.FAST_TRAINING},
)

SPECS: dict[str, CatalogSpec] = {s.assignment: s for s in (SVM, SOFTMAX, OPTIMIZATION, FEATURES, LOGISTIC)}
