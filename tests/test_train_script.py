"""scripts/train: an unchanged project reuses the newest model instead of training again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "scripts" / "train"


def _run(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYNCDESK_MODELS": str(models)}
    return subprocess.run(
        [str(TRAIN), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_an_unchanged_project_is_not_trained_again(tmp_path):
    fingerprint = _run(tmp_path, "--fingerprint").stdout.strip()
    assert len(fingerprint) == 64
    model = tmp_path / "20260101-000000-model.tar.gz"
    model.write_bytes(b"model")
    (tmp_path / f"{model.name}.fingerprint").write_text(fingerprint + "\n")

    result = _run(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Model up to date" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [model.name, f"{model.name}.fingerprint"]


def test_the_fingerprint_is_the_same_on_every_call(tmp_path):
    # Anything unstable in the hash (order of files, timestamps) would retrain on every start.
    assert _run(tmp_path, "--fingerprint").stdout == _run(tmp_path, "--fingerprint").stdout
