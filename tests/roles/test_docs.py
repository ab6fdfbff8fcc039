"""docs/reference/roles.md stays true to CAPABILITIES."""

from pathlib import Path

from wagtail_lfcloud.access import CAPABILITIES
from wagtail_lfcloud.models import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "roles.md"


def test_documented_role_matrix_matches_capabilities():
    lines = DOC.read_text().splitlines()
    problems = []
    for capability, roles in CAPABILITIES.items():
        row = next((line for line in lines if line.startswith(f"| `{capability}`")), None)
        if row is None:
            problems.append(f"{capability}: no row in the matrix")
            continue
        cells = [cell.strip() for cell in row.split("|")[2:7]]
        documented = {role for role, cell in zip(Role.values, cells, strict=True) if cell == "✓"}
        if documented != set(roles):
            problems.append(
                f"{capability}: documented {sorted(documented)}, granted {sorted(roles)}"
            )
    assert not problems, "\n".join(problems)
