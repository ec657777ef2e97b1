"""`mockcoach --self-test` from the source install: real model, real Tesseract, real Qt."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest

from app import selftest as app_selftest
from app.selftest import SelfTest, StepFailed, text_similarity, word_error_rate
from tests.conftest import REPO_ROOT

STEP_LINE = re.compile(r"^  (ok  |FAIL)  (\w+)\s+(\d+\.\d\d) s  (.+)$")


def run_self_test(
    env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "app", "--self-test"],
        cwd=REPO_ROOT,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def steps(stdout: str) -> dict[str, tuple[bool, float, str]]:
    found = {}
    for line in stdout.splitlines():
        match = STEP_LINE.match(line)
        if match:
            found[match[2]] = (match[1] == "ok  ", float(match[3]), match[4])
    return found


def unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


NO_NETWORK = ("unshare", "-n") if unshare_works() else ()


@pytest.mark.slow
def test_self_test_passes_offline_with_one_timed_line_per_step() -> None:
    """Under `unshare -n` (no network at all) where the machine allows it."""
    env = dict(os.environ)
    env.pop("HF_HUB_OFFLINE", None)  # the app must be offline by itself, not because we said so
    done = run_self_test(env, prefix=NO_NETWORK)
    assert done.returncode == 0, done.stdout + done.stderr
    found = steps(done.stdout)
    assert list(found) == ["model", "transcribe", "ocr", "window"]
    assert all(ok for ok, _, _ in found.values()), done.stdout
    assert "tiny.en" in found["model"][2]
    assert "fellow Americans" in found["transcribe"][2]
    assert done.stdout.rstrip().splitlines()[-1].startswith("self-test passed (4/4 steps")


@pytest.mark.skipif(not NO_NETWORK, reason="needs `unshare -n` (root or user namespaces)")
def test_doctor_passes_without_network() -> None:
    env = dict(os.environ)
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run(
        [*NO_NETWORK, sys.executable, "-m", "app", "doctor"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


class BrokenSelfTest(SelfTest):
    """Steps that pass, fail with a finding, and crash: the runner's rules, without the model."""

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        def fine() -> str:
            return "fine"

        def wrong() -> str:
            raise StepFailed("word error rate 80%")

        def crash() -> str:
            raise RuntimeError("boom")

        return [("model", fine), ("transcribe", wrong), ("ocr", crash), ("window", fine)]


def test_a_failing_step_fails_the_self_test_and_the_others_still_run() -> None:
    out = io.StringIO()
    assert app_selftest.run_self_test(out, BrokenSelfTest()) == 1
    found = steps(out.getvalue())
    assert list(found) == ["model", "transcribe", "ocr", "window"]
    assert [ok for ok, _, _ in found.values()] == [True, False, False, True]
    assert found["transcribe"][2] == "word error rate 80%"
    assert found["ocr"][2] == "RuntimeError: boom"
    assert "self-test FAILED (2/4 steps passed" in out.getvalue()
    assert "mockcoach doctor" in out.getvalue()


def test_word_error_rate() -> None:
    assert word_error_rate("Ask not what your country", "ask not what your country.") == 0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)
    assert word_error_rate("a b", "") == 1


def test_text_similarity_ignores_line_breaks() -> None:
    assert text_similarity("Design a\nlink shortener", "Design a link\n\nshortener") == 1
    assert text_similarity("Design a link shortener", "Dcsign a link shortcner") > 0.9
    assert text_similarity("Design a link shortener", "") == 0
