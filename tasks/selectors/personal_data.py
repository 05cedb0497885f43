"""Everything the platform keeps about one person, as they may download it: their account,
their roles, every transcription and every answer on a known-answer image, the images they
skipped with their reasons, the curators' decisions on the fields they answered, what they
wrote, reported and flagged in discussions, their notifications and news, and their
recognition (agreed values, grades and badges per project).

The curators themselves are not named (their identity is theirs), nor other contributors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Sum

from crowd.models import User
from tasks.models import (
    AnswerTally,
    Badge,
    Comment,
    CommentReport,
    ImageFlag,
    KnownAnswerCheck,
    Lease,
    Membership,
    News,
    Notification,
    NotificationSettings,
    Resolution,
    Transcription,
)
from worker.recognition import grade_of


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def personal_data(user: User) -> dict[str, Any]:
    """The person's data, as plain JSON-ready values."""
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "email_verified": user.email_verified,
            "display_name": user.display_name,
            "credit_me": user.credit_me,
            "preferred_language": user.preferred_language,
            "rank_me": user.rank_me,
            "profile_public": user.profile_public,
            "profile_handle": user.profile_handle,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "memberships": [
            {"project": slug, "role": role, "since": _when(since)}
            for slug, role, since in Membership.objects.filter(user=user)
            .order_by("created_at")
            .values_list("project__slug", "role", "created_at")
        ],
        "transcriptions": list(_transcriptions(user)),
        "known_answer_checks": [
            {
                "project": row["project__slug"],
                "image": row["task_id"],
                "practice": row["practice"],
                "values": row["values"],
                "markers": row["markers"],
                "fields_compared": row["compared"],
                "fields_matching": row["matched"],
                "sent_at": _when(row["created_at"]),
            }
            for row in KnownAnswerCheck.objects.filter(user=user)
            .order_by("created_at")
            .values(
                "project__slug",
                "task_id",
                "practice",
                "values",
                "markers",
                "compared",
                "matched",
                "created_at",
            )
        ],
        "skips": [
            {
                "project": row["task__project__slug"],
                "image": row["task_id"],
                "reason": row["skip_reason"],
                "note": row["skip_note"],
                "at": _when(row["created_at"]),
            }
            for row in Lease.objects.filter(user=user)
            .exclude(skip_reason="")
            .order_by("created_at")
            .values("task__project__slug", "task_id", "skip_reason", "skip_note", "created_at")
        ],
        "decisions_on_my_answers": list(_decisions(user)),
        "notification_settings": _notification_settings(user),
        "notifications": [
            {
                "kind": row["kind"],
                "project": row["project__slug"],
                "details": row["payload"],
                "at": _when(row["created_at"]),
                "read_at": _when(row["read_at"]),
                "emailed_at": _when(row["emailed_at"]),
            }
            for row in Notification.objects.filter(recipient=user)
            .order_by("created_at", "pk")
            .values("kind", "project__slug", "payload", "created_at", "read_at", "emailed_at")
        ],
        "news_posted": [
            {
                "project": row["project__slug"],
                "title": row["title"],
                "text": row["body"],
                "published_at": _when(row["published_at"]),
            }
            for row in News.objects.filter(author=user)
            .order_by("published_at", "pk")
            .values("project__slug", "title", "body", "published_at")
        ],
        "recognition": _recognition(user),
        "comments": list(_comments(user)),
        "reports": [
            {
                "project": row["comment__project__slug"],
                "comment": row["comment_id"],
                "reason": row["reason"],
                "note": row["note"],
                "at": _when(row["created_at"]),
            }
            for row in CommentReport.objects.filter(user=user)
            .order_by("created_at")
            .values("comment__project__slug", "comment_id", "reason", "note", "created_at")
        ],
        "flags": [
            {
                "project": row["project__slug"],
                "image": row["task_id"],
                "flag": row["kind"],
                "state": row["state"],
                "at": _when(row["created_at"]),
            }
            for row in ImageFlag.objects.filter(user=user)
            .order_by("created_at")
            .values("project__slug", "task_id", "kind", "state", "created_at")
        ],
    }


def _notification_settings(user: User) -> dict[str, Any]:
    found = NotificationSettings.objects.filter(user=user).first()
    if found is None:
        return {"email": "off", "email_kinds": [], "chosen": False}
    return {"email": found.email, "email_kinds": found.email_kinds, "chosen": True}


def _recognition(user: User) -> list[dict[str, Any]]:
    """Per project: agreed values, the grade they reach, the badges earned with their dates."""
    sums = dict(
        AnswerTally.objects.filter(user=user)
        .order_by()
        .values("project__slug")
        .annotate(n=Sum("agreed"))
        .values_list("project__slug", "n")
    )
    badges: dict[str, list[dict[str, Any]]] = {}
    for slug, kind, detail, earned_at in (
        Badge.objects.filter(user=user)
        .order_by("earned_at", "pk")
        .values_list("project__slug", "kind", "detail", "earned_at")
    ):
        badges.setdefault(slug, []).append(
            {"badge": kind, "detail": detail, "earned_at": _when(earned_at)}
        )
    return [
        {
            "project": slug,
            "agreed_values": int(sums.get(slug) or 0),
            "grade": grade_of(int(sums.get(slug) or 0)).grade,
            "badges": badges.get(slug, []),
        }
        for slug in sorted(set(sums) | set(badges))
    ]


def _comments(user: User) -> Iterator[dict[str, Any]]:
    """What the person wrote in discussions, as they wrote it (the Markdown source)."""
    rows = (
        Comment.objects.filter(author=user)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "project__slug",
            "thread__task_id",
            "thread__title",
            "reply_to_id",
            "body",
            "created_at",
            "hidden_at",
            "hidden_reason",
        )
    )
    for row in rows.iterator():
        yield {
            "id": row["pk"],
            "project": row["project__slug"],
            "image": row["thread__task_id"],
            "topic": row["thread__title"],
            "reply_to": row["reply_to_id"],
            "body": row["body"],
            "posted_at": _when(row["created_at"]),
            "hidden_at": _when(row["hidden_at"]),
            "hidden_reason": row["hidden_reason"],
        }


def _transcriptions(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Transcription.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "project__slug",
            "task_id",
            "task__original_name",
            "values",
            "markers",
            "created_at",
            "void_id",
        )
    )
    for row in rows.iterator():
        yield {
            "id": row["pk"],
            "project": row["project__slug"],
            "image": row["task_id"],
            "file": row["task__original_name"],
            "values": row["values"],
            "markers": row["markers"],
            "sent_at": _when(row["created_at"]),
            "counts": row["void_id"] is None,
        }


def _decisions(user: User) -> Iterator[dict[str, Any]]:
    """Curators' decisions on fields of images the person transcribed."""
    task_ids = Transcription.objects.filter(user=user).values("task_id")
    rows = (
        Resolution.objects.filter(field_result__task_id__in=task_ids)
        .order_by("created_at", "pk")
        .values(
            "field_result__project__slug",
            "field_result__task_id",
            "field_result__key",
            "decision",
            "reason",
            "value_before",
            "value_after",
            "created_at",
        )
    )
    for row in rows.iterator():
        yield {
            "project": row["field_result__project__slug"],
            "image": row["field_result__task_id"],
            "field": row["field_result__key"],
            "decision": row["decision"],
            "reason": row["reason"],
            "value_before": row["value_before"],
            "value_after": row["value_after"],
            "at": _when(row["created_at"]),
        }


def personal_data_json(user: User) -> bytes:
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2).encode("utf-8")


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(row[c], ensure_ascii=False)
                if isinstance(row[c], (dict, list))
                else row[c]
                for c in columns
            ]
        )
    return out.getvalue().encode("utf-8-sig")  # spreadsheets read the accents right


def personal_data_zip(user: User) -> bytes:
    """The same data as CSV files, one per kind, in a zip. Transcriptions have one row per
    answered field (field, value or marker), so every project's fields fit one table."""
    data = personal_data(user)
    answers = [
        {
            "transcription": t["id"],
            "project": t["project"],
            "image": t["image"],
            "file": t["file"],
            "field": key,
            "value": t["values"].get(key, ""),
            "marker": t["markers"].get(key, ""),
            "sent_at": t["sent_at"],
            "counts": t["counts"],
        }
        for t in data["transcriptions"]
        for key in sorted({*t["values"], *t["markers"]})
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.csv", _csv([data["account"]], list(data["account"])))
        archive.writestr("memberships.csv", _csv(data["memberships"], ["project", "role", "since"]))
        archive.writestr(
            "transcriptions.csv",
            _csv(
                answers,
                [
                    *("transcription", "project", "image", "file", "field", "value"),
                    *("marker", "sent_at", "counts"),
                ],
            ),
        )
        archive.writestr(
            "known_answer_checks.csv",
            _csv(
                data["known_answer_checks"],
                [
                    *("project", "image", "practice", "values", "markers"),
                    *("fields_compared", "fields_matching", "sent_at"),
                ],
            ),
        )
        archive.writestr(
            "recognition.csv",
            _csv(data["recognition"], ["project", "agreed_values", "grade"]),
        )
        archive.writestr(
            "badges.csv",
            _csv(
                [
                    {"project": entry["project"], **badge}
                    for entry in data["recognition"]
                    for badge in entry["badges"]
                ],
                ["project", "badge", "detail", "earned_at"],
            ),
        )
        archive.writestr(
            "skips.csv", _csv(data["skips"], ["project", "image", "reason", "note", "at"])
        )
        archive.writestr(
            "decisions_on_my_answers.csv",
            _csv(
                data["decisions_on_my_answers"],
                [
                    *("project", "image", "field", "decision", "reason"),
                    *("value_before", "value_after", "at"),
                ],
            ),
        )
        archive.writestr(
            "notifications.csv",
            _csv(
                data["notifications"],
                ["kind", "project", "details", "at", "read_at", "emailed_at"],
            ),
        )
        archive.writestr(
            "news_posted.csv",
            _csv(data["news_posted"], ["project", "title", "text", "published_at"]),
        )
        archive.writestr(
            "comments.csv",
            _csv(
                data["comments"],
                [
                    *("id", "project", "image", "topic", "reply_to", "body"),
                    *("posted_at", "hidden_at", "hidden_reason"),
                ],
            ),
        )
        archive.writestr(
            "reports.csv", _csv(data["reports"], ["project", "comment", "reason", "note", "at"])
        )
        archive.writestr(
            "flags.csv", _csv(data["flags"], ["project", "image", "flag", "state", "at"])
        )
    return buffer.getvalue()
