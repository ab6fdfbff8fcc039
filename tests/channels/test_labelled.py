"""The labelled set (tests/channels/labelled.py) scores 100 %, and covers every check x channel."""

import pytest

from wagtail_lfcloud.channels.citations import RULE_CITATIONS
from wagtail_lfcloud.channels.presets import BUILTIN_PRESETS
from wagtail_lfcloud.channels.rules import CODE_RULES

from . import labelled

#: (channel, rule) pairs the set does not exercise, and why.
NOT_EXERCISED = {
    # Files over 5-64 MB or 4,472-10,000 px cost seconds to build and check; these limits are
    # plain comparisons, tested once on a throwaway channel in test_compliance.py.
    **{
        (channel, rule): "a file too big to generate cheaply"
        for channel, data in BUILTIN_PRESETS.items()
        for rule in ("max_bytes", "max_longest", "max_megapixels")
        if rule in data["rules"]
    },
}


@pytest.mark.parametrize("channel", list(labelled.BASES))
def test_labelled_set_scores_100_percent(channel, tesseract, capsys):
    labels = {k: v for k, v in labelled.LABELS.items() if k[1] == channel}
    outcomes = labelled.score(labels)
    report = labelled.summary(outcomes)
    with capsys.disabled():
        print(f"\n{channel}: {report}")
    assert all(o.right for o in outcomes), report


def test_every_label_traces_to_a_cited_rule():
    for (variant, channel), label in labelled.LABELS.items():
        for code in label.checks:
            rule = CODE_RULES.get(code, code)
            if code == "source_edge_touch":
                rule = "edge_touch"
            if code in ("animation", "extension") and rule not in BUILTIN_PRESETS[channel]["rules"]:
                continue  # always checked; warn unless a rule says fail
            assert rule in RULE_CITATIONS[channel], (variant, channel, code)


def test_every_check_of_every_channel_is_exercised():
    failing = {
        (channel, "edge_touch" if code == "source_edge_touch" else CODE_RULES.get(code, code))
        for (_variant, channel), label in labelled.LABELS.items()
        for code in label.checks
    }
    passing = {
        channel for (_v, channel), label in labelled.LABELS.items() if label.status == "pass"
    }
    missing = []
    for channel, data in BUILTIN_PRESETS.items():
        assert channel in passing, f"{channel}: no clean case"
        for rule in data["rules"]:
            if rule == "max_fill":
                rule = "min_fill"  # one "fill" check
            if (channel, rule) in failing or (channel, rule) in NOT_EXERCISED:
                continue
            missing.append((channel, rule))
    assert not missing, f"rules no labelled case breaks: {missing}"
