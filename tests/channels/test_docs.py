"""docs/reference/channels.md stays true to the presets, the rules and the check codes."""

import io
import re
from pathlib import Path

from PIL import Image

from wagtail_lfcloud.channels.compliance import check_bytes, check_source
from wagtail_lfcloud.channels.presets import BUILTIN_PRESETS
from wagtail_lfcloud.channels.rules import (
    BACKGROUND,
    COLOUR,
    FORMATS,
    MAX,
    MIN,
    RATIO,
    RULES,
    STATUS,
)

from .images import encode, product_shot

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "channels.md"


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def rules_summary(rules: dict) -> str:
    """The "rules" cell of the built-in presets table."""
    parts = []
    for name, value in rules.items():
        shape = RULES[name][0]
        if shape in (MIN, MAX):
            t = value if isinstance(value, dict) else {"fail": value}
            limits = " / ".join(f"{k} {_number(t[k])}" for k in ("fail", "warn") if k in t)
            parts.append(f"{name} {limits}")
        elif shape == STATUS:
            parts.append(f"{name} ({value})")
        elif shape == FORMATS:
            parts.append(f"{name} {', '.join(value)}")
        elif shape == RATIO:
            ratio, tolerance = round(value["ratio"], 4), value.get("tolerance", 0.01)
            accepted = value.get("accepted")
            within = f", fail outside {accepted[0]:g}-{accepted[1]:g}" if accepted else ""
            parts.append(
                f"{name} {ratio:g} ±{tolerance:.1%} ({value.get('status', 'fail')}{within})"
            )
        elif shape == COLOUR:
            if isinstance(value, dict):
                parts.append(f"{name} " + ", ".join(f"{k} {v}" for k, v in value.items()))
            else:
                parts.append(f"{name} ({value})")
        elif shape == BACKGROUND:
            level, status = (
                (value["level"], value.get("status", "fail"))
                if isinstance(value, dict)
                else (value, "fail")
            )
            parts.append(f"{name} {level} ({status})")
    return "; ".join(parts)


def preset_row(key: str, preset: dict) -> str:
    spec = preset["spec"].replace("|", "&#124;")
    export = f"`{preset['export_name']}`" if preset.get("export_name") else "default"
    rules = rules_summary(preset["rules"])
    return f"| `{key}` | {preset['label']} | `{spec}` | {export} | {rules} |"


def section(heading: str) -> str:
    """The text under ``heading`` up to the next heading of any level."""
    text = DOC.read_text()
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = re.search(r"^#{1,6} ", text[start:], re.MULTILINE)
    return text[start : start + end.start()] if end else text[start:]


def test_builtin_presets_table_matches_the_presets():
    lines = DOC.read_text().splitlines()
    problems = []
    for key, preset in BUILTIN_PRESETS.items():
        row = next((line for line in lines if line.startswith(f"| `{key}` |")), None)
        expected = preset_row(key, preset)
        if row != expected:
            problems.append(f"{key}:\n  documented {row}\n  expected   {expected}")
    assert not problems, "Update docs/reference/channels.md:\n" + "\n".join(problems)


def _every_rule() -> dict:
    example = {
        MIN: 1,
        MAX: 10**9,
        STATUS: "warn",
        COLOUR: "warn",
        FORMATS: ["jpeg"],
        RATIO: {"ratio": 1.0},
        BACKGROUND: "lenient",
    }
    return {name: example[shape] for name, (shape, _applies, _what) in RULES.items()}


def test_every_rule_and_check_code_is_documented(settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = {
        "t": {
            "label": "All",
            "spec": "max-800x800|format-jpeg|jpegquality-90",
            "rules": _every_rule(),
        }
    }
    data = encode(product_shot((400, 400)), quality=90)
    codes = {r.code for r in check_bytes(data, "x.jpg", "t").results}
    codes |= {r.code for r in check_source(io.BytesIO(data), "t").results}
    codes |= {r.code for r in check_bytes(b"junk", "x.jpg", "t").results}  # readable
    png = encode(Image.new("RGB", (20, 20), "white"), "PNG")
    codes |= {r.code for r in check_source(io.BytesIO(png), "t").results}

    rules = section("### Rules")
    documented_rules = set()
    for line in rules.splitlines():
        if line.startswith("| `"):
            documented_rules |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
    missing_rules = sorted(set(RULES) - documented_rules)
    missing_codes = sorted(c for c in codes if f"`{c}`" not in rules)
    assert not missing_rules, f"Rules missing from the Rules table: {missing_rules}"
    assert not missing_codes, f"Check codes missing from the Rules section: {missing_codes}"
