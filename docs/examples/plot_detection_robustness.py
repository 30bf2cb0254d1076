"""
Robustness: detection rate against target contrast
==================================================

How faint can a target be? We draw synthetic scenes whose targets' peak amplitude is a given
multiple of the background's standard deviation (the *contrast*) and measure, for each
classical detector with its default threshold, the probability of detection Pd (a planted target
counts as found when a detected pixel overlaps it) and the false alarms per image.

The curves show, for scenes with the default white noise (1 % of the background's range), the
contrast at which each method starts to miss targets, and what else it reports on the way. With
only 12 targets per contrast this is a sketch of the trend, not a benchmark (for that, see
``python benchmarks/istd.py`` on NUDT-SIRST).
"""

# %%
import matplotlib.pyplot as plt

from sparseopt.istd import IPI, ISTDMetrics, make_scene
from sparseopt.istd.mpcm import MPCM
from sparseopt.istd.pstnn import PSTNN
from sparseopt.istd.tophat import TopHat

contrasts = [0.2, 0.3, 0.4, 0.5, 0.75, 1.0]
seeds = range(4)
detectors = {"IPI": IPI(), "PSTNN": PSTNN(), "MPCM": MPCM(), "top-hat": TopHat()}
pd = {name: [] for name in detectors}
false_alarms = {name: [] for name in detectors}
for c in contrasts:
    scenes = [make_scene((128, 128), n_targets=3, contrast=c, seed=s) for s in seeds]
    for name, det in detectors.items():
        metrics = ISTDMetrics("basicirstd")
        for sc in scenes:
            metrics.update(det.detect(sc.image), sc.mask)
        r = metrics.compute()
        pd[name].append(r["Pd"])
        # basicirstd Fa: unmatched predicted pixels / all pixels, here per image
        false_alarms[name].append(r["Fa"] * 128 * 128)
    print(f"contrast {c}: " + ", ".join(f"{n} Pd {pd[n][-1]:.0f}%" for n in detectors))

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.5))
for name in detectors:
    ax0.plot(contrasts, pd[name], marker="o", label=name)
    ax1.plot(contrasts, false_alarms[name], marker="o", label=name)
ax0.set_xlabel("target contrast (× background std)")
ax0.set_ylabel("Pd (%)")
ax0.set_ylim(-5, 105)
ax1.set_ylim(bottom=-0.5)
ax0.legend(loc="lower right")
ax1.set_xlabel("target contrast (× background std)")
ax1.set_ylabel("false-alarm pixels per image")
fig.tight_layout()
plt.show()
