"""PeriodicFeatures' harmonic rule on CRTS: amplitudes bounded, and what it does to a classifier.

Four settings side by side, in one run: the old fit (4 harmonics for every
curve, ridge 1e-12), the phase-gap rule ``k <= floor(0.5 / gap)`` (the
default) and ``k <= floor(1 / gap)``, both with the 2x-range amplitude guard,
and the guard alone. For each: features curves/s, how many curves get an
amplitude feature above twice their observed range, the fraction fitted with
fewer than 4 harmonics (all curves, LPVs), and the 3-fold cross-validated
balanced accuracy and macro F1 of a HistGradientBoostingClassifier on the
features (no cleaning, no augmentation).

    python benchmarks/bench_features_rule.py [../shared/crts]
"""
import numpy as np, pandas as pd, time, sys, warnings
warnings.simplefilter("ignore")
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_predict, StratifiedKFold
from sklearn.metrics import balanced_accuracy_score, f1_score
import vsaug.features as fm
from vsaug import PeriodicFeatures
from vsaug.datasets import load_crts
X, y = load_crts(sys.argv[1] if len(sys.argv) > 1 else "../shared/crts")
span = np.maximum.reduceat(X.mag, X.offsets[:-1]) - np.minimum.reduceat(X.mag, X.offsets[:-1])
for label, waves, factor in [("old (no rule)", 1e9, 1e300), ("gap 0.5/g", 0.5, 2.0), ("gap 1/g", 1.0, 2.0), ("amp only", 1e9, 2.0)]:
    fm._GAP_WAVES, fm.AMPLITUDE_FACTOR = waves, factor
    t = time.time()
    pf = PeriodicFeatures().fit(X); F = pf.transform(X); names = list(pf.get_feature_names_out())
    ft = time.time() - t
    A = F[:, [names.index(f"A{k}") for k in range(1, 5)] + [names.index("amplitude")]]
    over = (A.max(axis=1) > 2 * span)
    used = F[:, names.index("n_harmonics_fit")]
    with threadpool_limits(1):
        pred = cross_val_predict(HistGradientBoostingClassifier(max_iter=200, random_state=0), F, y,
                                 cv=StratifiedKFold(3, shuffle=True, random_state=0))
    print(f"{label}: features {len(X)/ft:.0f} curves/s; amp > 2x range: {over.sum()} curves "
          f"(max ratio {np.max(A.max(axis=1)/np.maximum(span,1e-9)):.1f}); reduced: {(used<4).mean():.3f}; "
          f"LPV reduced {(used[y=='LPV']<4).mean():.3f}; bal acc {balanced_accuracy_score(y, pred):.4f} "
          f"macro F1 {f1_score(y, pred, average='macro'):.4f}", flush=True)
