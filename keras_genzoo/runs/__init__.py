"""Training runs that leave a self-describing directory behind: what `genzoo train` and
`genzoo demo` do, usable from Python too.

- `keras_genzoo.runs.config`: `RunConfig` (what defines a run), the run directory, precision and seeding;
- `keras_genzoo.runs.training`: `train` (resumable, backed up), `finish`, `TrainingDiverged`;
- `keras_genzoo.runs.evaluation`: the metrics of a trained model with the dataset's evaluator;
- `keras_genzoo.runs.report`: loss curves, sample grids and `report.html`;
- `keras_genzoo.runs.loading`: a model from a `.keras` file or a run directory.

The names below are re-exported here for `genzoo` and for scripts.
"""

from keras_genzoo.runs.config import MODELS, PAPERS, PRECISIONS, RunConfig, RunError, prepare_directory, seed_everything
from keras_genzoo.runs.evaluation import METRIC_NAMES, evaluate, evaluator_for
from keras_genzoo.runs.loading import load_source
from keras_genzoo.runs.report import plot_history, sample_grid, write_report
from keras_genzoo.runs.training import (
    BACKUP_EVERY,
    TimeBudget,
    TrainingDiverged,
    build_model,
    finish,
    fit_progress,
    keep_last_good,
    train,
    truncate_history,
)
