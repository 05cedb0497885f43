"""An HTML report of a reconciliation: per field statuses and agreement, then what needs review."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from worker.consensus.model import (
    AGREED,
    BLANK,
    DISPUTED,
    NEEDS_MORE,
    Policy,
    Submission,
    TaskOutcome,
)
from worker.template import FieldSpec


@dataclass(frozen=True)
class SubjectResult:
    """One subject's reconciliation, as the command line writes and reports it."""

    subject: str
    outcome: TaskOutcome
    submissions: tuple[Submission, ...]  # the transcriptions used, in arrival order


_STATUSES = (AGREED, BLANK, NEEDS_MORE, DISPUTED)
_BUCKETS = ((0.0, "< 50%"), (0.5, "50–59%"), (0.6, "60–79%"), (0.8, "80–99%"), (1.0, "100%"))
_MAX_REVIEW_ROWS = 5000  # beyond this the page is too long to be read; the CSV has them all

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right}
.agreed,.blank{color:#1a6e1a}.needs_more{color:#8a5a00}.disputed{color:#b00020}
ul{margin:0;padding-left:1.2em}
"""


def _bucket(agreement: float) -> str:
    label = _BUCKETS[0][1]
    for low, name in _BUCKETS:
        if agreement >= low - 1e-9:
            label = name
    return label


def render_report(
    fields: Sequence[FieldSpec],
    results: Sequence[SubjectResult],
    policy: Policy,
    *,
    source: str = "",
) -> str:
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>Reconciliation report {escape(source)}</title><style>{_STYLE}</style>",
        f"<h1>Reconciliation report</h1><p>{escape(source)}: {len(results)} subjects; "
        f"threshold {policy.agreement_threshold:.0%}, "
        f"{policy.min_transcriptions} to {policy.max_transcriptions} transcriptions.</p>",
    ]
    decisions = Counter(r.outcome.decision for r in results)
    used = sum(len(r.submissions) for r in results)
    parts.append(
        "<p>"
        + ", ".join(f"{escape(k)}: {v}" for k, v in sorted(decisions.items()))
        + f"; mean transcriptions used {used / max(1, len(results)):.2f}.</p>"
    )
    parts.append(_field_table(fields, results))
    parts.append(_review_table(fields, results))
    parts.append("</html>")
    return "\n".join(parts)


def _field_table(fields: Sequence[FieldSpec], results: Sequence[SubjectResult]) -> str:
    head = "".join(f"<th>{s}</th>" for s in _STATUSES)
    head += "".join(f"<th>{escape(name)}</th>" for _, name in _BUCKETS)
    rows = [
        f"<h2>Fields</h2><table><tr><th>field</th><th>type</th>{head}<th>mean agreement</th></tr>"
    ]
    for spec in fields:
        outcomes = [r.outcome.fields[spec.key] for r in results]
        statuses = Counter(o.status for o in outcomes)
        buckets = Counter(_bucket(o.agreement) for o in outcomes)
        mean = sum(o.agreement for o in outcomes) / max(1, len(outcomes))
        cells = "".join(f"<td class='n'>{statuses.get(s, 0)}</td>" for s in _STATUSES)
        cells += "".join(f"<td class='n'>{buckets.get(name, 0)}</td>" for _, name in _BUCKETS)
        rows.append(
            f"<tr><td>{escape(spec.key)}</td><td>{escape(spec.type)}</td>{cells}"
            f"<td class='n'>{mean:.1%}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _review_table(fields: Sequence[FieldSpec], results: Sequence[SubjectResult]) -> str:
    rows = [
        "<h2>To review</h2><table><tr><th>subject</th><th>field</th><th>value</th>"
        "<th>status</th><th>explanation</th><th>every answer</th></tr>"
    ]
    shown = 0
    total = 0
    for result in results:
        for spec in fields:
            outcome = result.outcome.fields[spec.key]
            if outcome.accepted:
                continue
            total += 1
            if shown >= _MAX_REVIEW_ROWS:
                continue
            shown += 1
            answers = "".join(
                f"<li>{escape(s.user)}: {escape(s.values.get(spec.key, '')) or '<em>blank</em>'}"
                + (f" [{escape(s.markers[spec.key])}]" if spec.key in s.markers else "")
                + "</li>"
                for s in result.submissions
            )
            rows.append(
                f"<tr><td>{escape(result.subject)}</td><td>{escape(spec.key)}</td>"
                f"<td>{escape(outcome.value) or '<em>blank</em>'}</td>"
                f"<td class='{outcome.status}'>{outcome.status}</td>"
                f"<td>{escape(outcome.explanation)}</td><td><ul>{answers}</ul></td></tr>"
            )
    rows.append("</table>")
    if total > shown:
        rows.append(f"<p>{total - shown} more cells to review are in the CSV output.</p>")
    if not total:
        rows.append("<p>Nothing to review.</p>")
    return "\n".join(rows)


def write_report(
    path: Path,
    fields: Sequence[FieldSpec],
    results: Sequence[SubjectResult],
    policy: Policy,
    *,
    source: str = "",
) -> None:
    path.write_text(render_report(fields, results, policy, source=source), encoding="utf-8")
