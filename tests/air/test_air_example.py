"""The example script runs with a few members and writes its figure."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pm25_trajectory_example__writes_png(tmp_path):
    out = tmp_path / "traj.png"
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "pm25_trajectory.py"), "--members", "3",
                          "--out", str(out), "--first", "2022", "--last", "2025"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert out.exists() and out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "天宁 2025" in res.stdout
