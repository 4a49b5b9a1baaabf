"""The RNN settings of ``vsaug demo``, scored on the demo's own validation part.

The demo's catalogue (1,500 synthetic stars, seed 0, every class at least
3%), cleaned and split 6:1:3 as ``vsaug.demo.run_demo`` does; each named
setting trains the demo's RNN ensemble (3 bags of 100 curves per class,
GP-topped) with :data:`vsaug.demo.RNN_PARAMS` updated by that setting, and
is scored on the validation part (never the test part). Prints one JSON
line per setting: fit seconds, validation balanced accuracy, macro F1 and
the lowest class recall.

    python benchmarks/bench_demo_rnn.py current epochs12 lr1e-2_epochs10
"""

from __future__ import annotations

import argparse
import json
import time

from vsaug import demo

#: Settings tried, as updates of ``RNN_PARAMS``; ``current`` is the demo's own.
SETTINGS = {
    "current": {},
    "epochs6": dict(epochs=6),
    "epochs12": dict(epochs=12),
    "lr1e-2_epochs10": dict(learning_rate=1e-2, epochs=10, batch_size=32),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("settings", nargs="+", choices=sorted(SETTINGS))
    parser.add_argument("--cache", default="/tmp/vsaug_bench_demo_rnn",
                        help="GP fit cache shared by the settings")
    args = parser.parse_args(argv)
    demo.quiet_tensorflow(0)
    from vsaug.cleaning import LightCurveCleaner
    from vsaug.datasets import make_light_curves
    from vsaug.metrics import classification_summary

    X, y = make_light_curves(1500, weights=demo.demo_class_weights(), random_state=0)
    X = LightCurveCleaner().fit_transform(X)
    train, validation, _ = demo._split(X, y, 0)
    for name in args.settings:
        params = {**demo.RNN_PARAMS, **SETTINGS[name]}
        model = demo._models(3, 100, params, args.cache, None, 0, 0)["rnn"]
        started = time.perf_counter()
        model.fit(*train, validation_data=validation)
        seconds = time.perf_counter() - started
        summary = classification_summary(validation[1], model.predict(validation[0]))
        recall = summary.per_class["recall"]
        print(json.dumps({"setting": name, "epochs": params["epochs"], "fit_s": round(seconds),
                          "val_balanced_accuracy": round(float(summary.balanced_accuracy), 3),
                          "val_macro_f1": round(float(summary.macro_f1), 3),
                          "lowest_recall": f"{recall.min():.2f} ({recall.idxmin()})"}),
              flush=True)


if __name__ == "__main__":
    main()
