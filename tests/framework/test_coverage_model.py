"""Learned requirement coverage: the overlap figures, the candidate's words so far, the
trainer's multiple-instance fit, and the guards every paraphrase must meet."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from framework.coverage_model import CoverageModel, overlap_features, requirement_terms
from framework.definition import get_framework
from framework.phase_model import PhaseModel, load_phase_model
from framework.tracker import Tracker
from framework.types import PromptItem, Utterance

FW = get_framework("system-design")
ROOT = Path(__file__).resolve().parents[2]


def _terms(*concepts: str):  # type: ignore[no-untyped-def]
    return requirement_terms(concepts, (), [], {}, 5.0)


def test_local_share_wants_the_words_said_together() -> None:
    terms = _terms("receipt", "retain", "year")
    together = ["we", "retain", "receipt", "for", "year"]
    apart = ["retain", *["x"] * 20, "receipt", *["y"] * 20, "year"]
    assert overlap_features(terms, together, "high_level")["local"] == 1.0
    spread = overlap_features(terms, apart, "high_level")
    assert spread["idf_share"] == 1.0 and spread["local"] < 0.5


def test_words_said_earlier_count_towards_the_mock_so_far() -> None:
    terms = _terms("candid", "data", "~delet", "request")
    window = ["candid", "can", "ask", "~delet"]
    alone = overlap_features(terms, window, "requirements")
    later = overlap_features(terms, window, "requirements", said={"data", "request"})
    assert alone["cum_idf"] == alone["idf_share"] == 0.5
    assert later["cum_idf"] == 1.0 and later["idf_share"] == 0.5


def _model(weights: dict[str, float], bias: float) -> PhaseModel:
    shipped = load_phase_model(str(FW.phase_model_path()))
    assert shipped.coverage is not None
    return replace(shipped, coverage=replace(shipped.coverage, weights=weights, bias=bias,
                                             threshold=0.5))


def test_the_candidates_earlier_words_can_tick_but_the_interviewers_cannot() -> None:
    # a model that asks only for the requirement's vocabulary said over the mock so far
    model = _model({"cum_idf": 20.0}, -15.0)
    prompt = [PromptItem("n1", "Receipts retained for seven years", "non_functional")]
    lines = [("interviewer", "Receipts are retained, by law."),
             ("candidate", "So we keep receipt images in object storage."),
             ("candidate", "And that is for seven years, in cold storage after the first.")]
    for said_by_interviewer in (True, False):
        tracker = Tracker(FW, prompt, phase_model=model)
        t = 0.0
        for speaker, text in lines:
            if speaker == "interviewer" and not said_by_interviewer:
                speaker = "candidate"
            tracker.feed(Utterance(text, t, t + 4.0, speaker=speaker))
            t += 5.0
        addressed = tracker.report(t)["requirements"][0]["addressed"]
        # "retained" said only by the interviewer: the candidate never said it
        assert addressed is not said_by_interviewer
        assert ("retain" in tracker.said) is not said_by_interviewer


def test_a_paraphrase_still_needs_the_requirements_figures() -> None:
    model = _model({"cum_idf": 20.0}, -15.0)
    prompt = [PromptItem("n1", "Receipts retained for 7 years", "non_functional")]
    tracker = Tracker(FW, prompt, phase_model=model)
    tracker.feed(Utterance("Receipts are retained for two years.", 0.0, 4.0))
    assert not tracker.report(4.0)["requirements"][0]["addressed"]
    assert "n1" not in tracker.coverage_p  # the guard failed: no probability recorded
    # a while later, the figure alone: the rules want the words again, the model has them
    tracker.feed(Utterance("Sorry, I meant seven years.", 20.0, 23.0))
    assert tracker.report(23.0)["requirements"][0]["addressed"]
    assert tracker.coverage_p["n1"] > 0.5


def test_a_one_word_requirement_needs_its_own_word() -> None:
    # "Chat" belongs to the message group: any "messages" used to tick it
    prompt = [PromptItem("o1", "Chat", "out_of_scope")]
    for text, ticked in (("The push messages go out through the provider.", False),
                         ("Chat is out of scope for today.", True)):
        tracker = Tracker(FW, prompt, phase_model=None)
        tracker.feed(Utterance(text, 0.0, 4.0))
        assert tracker.report(4.0)["requirements"][0]["addressed"] is ticked, text


def test_the_fit_finds_the_window_that_speaks_for_the_requirement() -> None:
    """Each bag holds one telling window among decoys. The first pick (most of the telling
    words) is a decoy in half of the addressed bags; the rounds that re-pick by the model's
    own score find the telling window there too, and learn that ``local`` (the words said
    together) is what tells addressed from not."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_phase_model as trainer

    def window(idf_share: float, local: float) -> dict[str, float]:
        f = dict.fromkeys(trainer.FEATURES, 0.0)
        f.update(idf_share=idf_share, local=local)
        return f

    bags, labels = [], []
    for _ in range(20):
        bags.append([window(0.9, 0.9), window(0.5, 0.2)])  # addressed: said together
        bags.append([window(0.9, 0.2), window(0.6, 0.9)])  # ... where the first pick misleads
        labels += [1, 1]
        bags.append([window(0.9, 0.2), window(0.5, 0.3)])  # not: the words scattered
        bags.append([window(0.8, 0.3)])
        labels += [0, 0]
    weights, bias = trainer.fit_coverage(bags, labels)
    model = CoverageModel(weights, bias, 0.5)
    assert weights["local"] > 1.0
    assert model.probability(window(0.6, 0.9)) > 0.5 > model.probability(window(0.9, 0.2))
