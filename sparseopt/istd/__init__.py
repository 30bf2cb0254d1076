"""Infrared small target detection: patch images, detectors, baselines, metrics and data sets."""

from ._base import Target, as_grey_image
from .data import (
    ISTD_DATASETS,
    ISTDDataset,
    binarize_mask,
    load_istd_dataset,
    read_image,
    read_mask,
    read_split_file,
)
from .detector import IPI, RPCADetector
from .metrics import (
    CONVENTIONS,
    FA_UNITS,
    ISTDMetrics,
    evaluate,
    format_fa,
    image_counts,
    summarize,
)
from .patches import fold_patches, patch_image, patch_positions
from .synthetic import SyntheticScene, make_scene
from .thresholds import adaptive_threshold, binarize, relative_max_threshold

__all__ = [
    "CONVENTIONS",
    "FA_UNITS",
    "IPI",
    "ISTD_DATASETS",
    "ISTDDataset",
    "ISTDMetrics",
    "RPCADetector",
    "SyntheticScene",
    "Target",
    "adaptive_threshold",
    "as_grey_image",
    "binarize",
    "binarize_mask",
    "evaluate",
    "fold_patches",
    "format_fa",
    "image_counts",
    "load_istd_dataset",
    "make_scene",
    "patch_image",
    "patch_positions",
    "read_image",
    "read_mask",
    "read_split_file",
    "relative_max_threshold",
    "summarize",
]
