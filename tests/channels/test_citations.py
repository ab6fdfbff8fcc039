"""Every check of every built-in preset cites its published rule, in code and in the docs."""

from pathlib import Path

from wagtail_lfcloud.channels.citations import RULE_CITATIONS, Citation
from wagtail_lfcloud.channels.compliance import check_file
from wagtail_lfcloud.channels.presets import BUILTIN_PRESETS

from .images import encode, product_shot

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "channels.md"


def citation_row(rule: str, cited: Citation) -> str:
    """A row of a preset's table in the "Rule sources" section."""
    source = cited.source
    link = (
        "[house rule](#house-rules)"
        if source.kind == "house"
        else f"[{source.title}]({source.url}) ({source.kind})"
    )
    words = cited.words.replace("|", "&#124;")
    return f"| `{rule}` | {cited.verdict} | {words} | {link} | {source.read} |"


def test_every_rule_of_every_builtin_preset_has_a_citation():
    for key, preset in BUILTIN_PRESETS.items():
        rules = set(preset["rules"])
        cited = set(RULE_CITATIONS.get(key, {}))
        assert rules == cited, f"{key}: uncited {rules - cited}, stale {cited - rules}"
        for rule, citation in RULE_CITATIONS[key].items():
            assert citation.words and citation.verdict and citation.source.read, (key, rule)
            # A verdict says whether a violation fails or warns, and matches the preset.
            value = preset["rules"][rule]
            statuses = _statuses(value)
            for status in statuses:
                assert status in citation.verdict, (key, rule, status, citation.verdict)


def _statuses(value) -> set[str]:
    if value in ("fail", "warn"):
        return {value}
    if isinstance(value, dict):
        found = {v for v in value.values() if v in ("fail", "warn")}
        found |= {k for k in value if k in ("fail", "warn")}
        if "status" in value:
            found.add(value["status"])
        if "accepted" in value:
            found.add("fail")
        return found
    return {"fail"} if isinstance(value, (int, float, list)) else set()


def test_the_docs_list_every_citation():
    text = DOC.read_text()
    missing = []
    for key, rules in RULE_CITATIONS.items():
        assert f"\n### `{key}`\n" in text, f"no Rule sources table for {key}"
        for rule, cited in rules.items():
            row = citation_row(rule, cited)
            if row not in text:
                missing.append(row)
    assert not missing, "Update docs/reference/channels.md, Rule sources:\n" + "\n".join(missing)


def test_check_results_carry_the_rule_source():
    report = check_file(encode(product_shot((400, 400))), "walmart_main")
    assert report["min_shortest"].source == RULE_CITATIONS["walmart_main"]["min_shortest"].url
    assert report.to_dict()["results"][0]["source"]
