"""
Deep unfolded vs classical detection
====================================

The classical detector, :class:`~sparseopt.istd.RPCADetector`, runs the inexact augmented
Lagrangian method for robust PCA on the patch image: every iteration is one call of
:func:`sparseopt.stages.rpca_stage` with singular value thresholding, soft thresholding and the
multiplier step in its four slots. L-RPCANet (:class:`sparseopt_deep.LRPCANet`) runs the *same*
stage function a fixed number of times with small convolutional networks in those slots, learned
from examples; ``RPCADetector(deep=True)`` switches to it.

To stay self-contained (it runs when the documentation is built) this example trains a small
L-RPCANet (3 stages) for a couple of minutes on synthetic scenes drawn by
:func:`~sparseopt.istd.make_scene`, with :func:`sparseopt_deep.train` — the engine behind
``sparseopt train`` — and compares it with the classical solver on a scene it has not seen. On
real data, train on a data set in its official layout (``sparseopt train --data-dir DATA``).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from sparseopt import RPCADetector
from sparseopt.istd import evaluate, make_scene

# A training set in NUDT-SIRST's layout: images/, masks/ and the split files.
root = Path(tempfile.mkdtemp())
folder = root / "istd" / "NUDT-SIRST"
for d in ("images", "masks", "50_50"):
    (folder / d).mkdir(parents=True)
ids = [f"{i:04d}" for i in range(48)]
for i, id_ in enumerate(ids):
    s = make_scene((64, 64), n_targets=2, contrast=3.0, seed=100 + i)
    Image.fromarray((s.image * 255).astype(np.uint8)).save(folder / "images" / f"{id_}.png")
    Image.fromarray(s.mask.astype(np.uint8) * 255).save(folder / "masks" / f"{id_}.png")
(folder / "50_50" / "train.txt").write_text("\n".join(ids) + "\n")
(folder / "50_50" / "test.txt").write_text("\n".join(ids[:4]) + "\n")

# %%
# Train (CPU recipe with 48-px crops of the 64-px scenes, batches of 8 and a higher learning
# rate: these scenes are small and easy).
from sparseopt_deep import train  # noqa: E402

run = train(  # seeded (TrainConfig.seed = 0): the same weights on every build
    root,
    root / "run",
    epochs=25,
    lr=2e-3,
    batch_size=8,
    warmup_epochs=1.0,
    crop=48,
    model={"model": "lrpcanet", "n_stages": 3, "base_channels": 4},
    val_every=5,
    progress=False,
)
print("best validation mIoU", round(run["best"]["mIoU"], 1), "at epoch", run["best"]["epoch"])

# %%
# Both detectors on a new scene.
scene = make_scene((128, 128), n_targets=3, contrast=3.0, seed=7)
image = (scene.image * 255).astype(np.uint8)
detectors = {
    "classical (robust PCA, ALM)": RPCADetector(),
    "deep (L-RPCANet, 3 stages)": RPCADetector(
        deep=True, weights=root / "run" / "best.safetensors"
    ),
}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
axes[0].imshow(image, cmap="gray")
axes[0].set_title("image")
for ax, (name, det) in zip(axes[1:], detectors.items()):
    score = det.score_map(image)
    m = evaluate([score], [scene.mask], "rpcanet")
    print(f"{name}: IoU {m['mIoU']:.1f} %, Pd {m['Pd']:.0f} %")
    ax.imshow(score, cmap="magma")
    ax.set_title(f"{name}\nIoU {m['mIoU']:.0f} %", fontsize=9)
for ax in axes:
    ax.set_axis_off()
    for cy, cx in scene.centers:
        ax.add_patch(plt.Circle((cx, cy), 6, fill=False, color="tab:cyan", lw=0.8))
fig.tight_layout()
plt.show()
