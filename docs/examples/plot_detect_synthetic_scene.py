"""
Small target detection on a synthetic scene
===========================================

:class:`~sparseopt.istd.RPCADetector` follows the infrared patch-image model (Gao et al., 2013):
slide a window over the image, stack the patches as columns of a matrix, and split it by robust
PCA into a low-rank background, a sparse target part and noise. The target part, folded back into
an image, is the score map; a threshold turns it into a mask, and the mask's connected components
are the detected targets.

The scene below is drawn by :func:`~sparseopt.istd.make_scene`: a smooth gradient with clouds,
white noise and three Gaussian targets whose positions are known.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sparseopt import RPCADetector
from sparseopt.istd import evaluate, make_scene

scene = make_scene((256, 256), n_targets=3, contrast=3.0, seed=0)
det = RPCADetector()
B, T, N = det.decompose(scene.image)
score, mask = det.score_and_mask(scene.image)
targets = det.targets(scene.image)
for t in targets:
    print(f"target at row {t.centroid[0]:.1f}, col {t.centroid[1]:.1f}: area {t.area}")
print("planted at", [tuple(round(float(v), 1) for v in c) for c in scene.centers])

# %%
# The metrics of the field on this one scene (``rpcanet`` convention: the score map,
# binarised at half its maximum).
m = evaluate([score], [scene.mask], "rpcanet")
print(f"IoU {m['mIoU']:.1f} %, Pd {m['Pd']:.0f} %, Fa {m['Fa']:.2e}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
panels = [
    (scene.image, "image D"),
    (B, "background B (low rank)"),
    (np.clip(T, 0, None), "targets T (sparse)"),
    (mask, "mask"),
]
for ax, (a, title) in zip(axes, panels):
    ax.imshow(a, cmap="gray")
    ax.set_title(title)
    ax.set_axis_off()
for cy, cx in scene.centers:
    axes[3].add_patch(plt.Circle((cx, cy), 6, fill=False, color="tab:red"))
fig.tight_layout()
plt.show()
