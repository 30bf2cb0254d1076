"""The `sparseopt` command line: help and an example for every command, one-line errors with
exit status 2 for bad usage, Ctrl-C and closed pipes without tracebacks, `select` and `bench`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sparseopt.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _run(*argv, **kw):
    return subprocess.run(
        [sys.executable, "-m", "sparseopt.cli", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        **kw,
    )


def test_every_command_has_help_with_an_example(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"demo", "select", "detect", "evaluate", "bench"} <= set(commands)
    assert [n for n, _ in COMMANDS] == list(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "usage: sparseopt" in out
        assert f"example:\n  sparseopt {name}" in out, name
        # a default that comes from elsewhere (a recipe, $SPARSEOPT_DATA) is not shown as None
        assert "(default: None)" not in out, name


def test_console_script_entry_point_runs():
    out = _run("--help", check=True)
    assert "demo" in out.stdout and "select" in out.stdout and "detect" in out.stdout


def test_import_sparseopt_is_lazy_and_torch_free():
    code = (
        "import sys, sparseopt\n"
        "heavy = [m for m in ('torch', 'sklearn', 'scipy', 'numba') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from sparseopt import SparsePCASelector, RPCADetector\n"
        "assert SparsePCASelector.__module__.startswith('sparseopt.feature_selection')\n"
        "assert RPCADetector.__module__.startswith('sparseopt.istd')\n"
        "assert 'torch' not in sys.modules\n"
        "assert {'SparsePCASelector', 'RPCADetector'} <= set(dir(sparseopt))\n"
        "try:\n    sparseopt.nope\nexcept AttributeError as e:\n    assert 'nope' in str(e)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["select", "x.csv", "--n-components", "abc"], "expected 'auto' or a positive integer"),
        (["select", "x.csv", "-m", "0"], "expected a positive integer, got '0'"),
        (["select", "x.csv", "--lam", "nan"], "expected a finite number, got 'nan'"),
        (["demo", "--lam", "-1"], "expected a positive number"),
        (["detect", "x.png", "--threshold", "nan"], "a finite number, got 'nan'"),
        (["detect", "x.png", "--threshold", "inf"], "a finite number, got 'inf'"),
        (["detect", "x.png", "--k", "nan"], "expected a finite number"),
        (["detect", "x.png", "--ratio", "1.5"], "expected a ratio in (0, 1]"),
        (["detect", "x.png", "--n-jobs", "0"], "expected a positive integer"),
        (["detect", "x.png", "--method", "lcm"], "invalid choice"),
        (["evaluate", "a"], "the following arguments are required"),
    ],
)
def test_malformed_values_are_usage_errors(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def _csv(tmp_path, header=True, names=None):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    X[:, 2] *= 5.0  # a dominant feature
    names = names or [f"f{i}" for i in range(8)]
    data = tmp_path / "data.csv"
    np.savetxt(data, X, delimiter=",", header=",".join(names) if header else "", comments="")
    return data


def test_select_ranks_under_the_files_column_names(tmp_path, capsys):
    data = _csv(tmp_path)
    out = tmp_path / "ranking.csv"
    assert main(["select", str(data), "-m", "3", "--n-components", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "   1  f2" in printed
    lines = out.read_text().splitlines()
    assert lines[0] == "rank,feature,column,score" and len(lines) == 9
    ranks = [int(r.split(",")[0]) for r in lines[1:]]
    assert ranks == sorted(ranks) and ranks[0] == 1  # ranked order
    assert lines[1].split(",")[1:3] == ["f2", "2"]
    # a second run must not overwrite without --force, and says so before fitting
    assert main(["select", str(data), "--out", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main(["select", str(data), "--n-components", "2", "--out", str(out), "--force"]) == 0


def test_select_keeps_a_column_named_like_a_label_unless_told(tmp_path, capsys):
    names = ["a", "b", "y", "c", "label", "d", "class", "target"]
    data = _csv(tmp_path, names=names)  # the dominant column 2 is called "y"
    assert main(["select", str(data), "-m", "8", "--n-components", "1"]) == 0
    out = capsys.readouterr().out
    assert "8 features" in out and "   1  y" in out
    assert main(["select", str(data), "--n-components", "1", "--label-column", "y"]) == 0
    out = capsys.readouterr().out
    assert "7 features" in out and " y " not in out
    assert main(["select", str(data), "--label-column", "nope"]) == 2
    assert "no such column" in capsys.readouterr().err


def test_select_without_header_numbers_columns_from_zero(tmp_path, capsys):
    data = _csv(tmp_path, header=False)
    assert main(["select", str(data), "-m", "1", "--n-components", "1"]) == 0
    assert "   1  2" in capsys.readouterr().out


def test_select_reports_bad_inputs_in_one_line(tmp_path, capsys):
    assert main(["select", str(tmp_path / "nope.mat")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["select", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,oops\n")
    assert main(["select", str(bad)]) == 2
    assert "'oops' is not a number" in capsys.readouterr().err
    data = _csv(tmp_path)
    # an unwritable / directory --out is refused before the fit, not after it
    assert main(["select", str(data), "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["select", str(data), "--out", str(data / "x.csv")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_demo_runs_on_bundled_data(capsys):
    assert main(["demo", "--n-features", "8", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "selected pixels" in out and "SparsePCASelector" in out and "all 64 pixels" in out


def test_bench_lists_and_runs_scripts(tmp_path, monkeypatch, capsys):
    (tmp_path / "tiny.py").write_text(
        '"""A tiny benchmark."""\nimport sys\nprint("args", sys.argv[1:])\nsys.exit(3)\n'
    )
    monkeypatch.setenv("SPARSEOPT_BENCHMARKS", str(tmp_path))
    assert main(["bench"]) == 0
    listed = capsys.readouterr().out
    assert "tiny" in listed and "A tiny benchmark" in listed
    assert main(["bench", "tiny", "--", "--n", "2"]) == 3
    assert "args ['--n', '2']" in capsys.readouterr().out
    assert main(["bench", "nope"]) == 2
    assert "unknown benchmark 'nope'" in capsys.readouterr().err


def test_bench_finds_the_repositorys_scripts(capsys, monkeypatch):
    monkeypatch.delenv("SPARSEOPT_BENCHMARKS", raising=False)
    assert main(["bench"]) == 0
    out = capsys.readouterr().out
    assert "istd" in out and "sspca_speed" in out


def test_closed_pipe_ends_quietly(tmp_path):
    data = _csv(tmp_path)
    # `sparseopt select ... | head -1`: the reader leaves early; no traceback
    p = subprocess.Popen(
        [sys.executable, "-m", "sparseopt.cli", "select", str(data), "-m", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    p.stdout.close()  # nobody reads
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    # a long demo; SIGINT once it has started working
    p = subprocess.Popen(
        [sys.executable, "-m", "sparseopt.cli", "demo", "--repeats", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    first = p.stdout.readline()  # printed after the imports, before the work
    assert first.startswith("digits:")
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err


def test_help_does_not_load_the_solvers():
    # `sparseopt --help` and `sparseopt detect --help` stay quick: handlers import on use.
    code = (
        "import sys\n"
        "from sparseopt.cli import main\n"
        "for argv in (['--help'], ['detect', '--help'], ['evaluate', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "heavy = [m for m in ('sklearn', 'scipy', 'numba', 'torch', 'sparseopt.istd') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)


def test_select_deep_passes_deep_true(tmp_path, monkeypatch, capsys):
    # The SPCA-Net training itself is tested in test_spcanet.py; here only the wiring.
    import sparseopt.feature_selection as fs

    seen = {}
    real = fs.SparsePCASelector

    class Recording(real):
        def fit(self, X, y=None):
            seen["deep"] = self.deep
            return real(n_features_to_select=self.n_features_to_select, n_components=1).fit(X)

    monkeypatch.setattr(fs, "SparsePCASelector", Recording)
    data = _csv(tmp_path)
    assert main(["select", str(data), "--deep", "-m", "2"]) == 0
    assert seen == {"deep": True}
    assert "SPCA-Net" in capsys.readouterr().out
