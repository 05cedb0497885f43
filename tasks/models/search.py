"""The results search: one document of words per image, and each project's vocabulary.

A document holds the folded words (`tasks.search_words`) of an image's file name and metadata,
of its reconciled values, of every transcription that counts and of its machine reading (OCR).
It is written by the services that change them (ingest, submissions, reconciliation,
curators' decisions, the machine reading) and rebuilt for
existing data by `manage.py search_rebuild`. On PostgreSQL its `words` column (computed by the
database) holds `to_tsvector('simple', text)`, GIN-indexed; SQLite looks words up as substrings
of the text.

The vocabulary is the project's distinct words of letters: on PostgreSQL a trigram index on it
(pg_trgm) finds the words a misspelt query word was meant to be ("quercsu" → "quercus"), which
are then searched for like any other word. Words stay once seen: a word no document holds any
more finds nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project
from tasks.models.work import Task


class DocumentVectorField(models.Field):
    """PostgreSQL's `tsvector`; a text column elsewhere (where it stays empty)."""

    def db_type(self, connection: Any) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class DocumentVector(models.Func):
    """What a document's words are indexed as: `to_tsvector('simple', text)` on PostgreSQL,
    whose parser then reads each folded word as it is; nothing elsewhere."""

    output_field = DocumentVectorField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        return "''", []

    def as_postgresql(
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        text, params = compiler.compile(self.source_expressions[0])
        return f"to_tsvector('simple'::regconfig, {text})", list(params)


class TaskDocument(models.Model):
    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    # Not indexed: searches go through the text's index and join the task; rebuilds walk tasks.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    # " word word … " (see tasks.search_words.document_text).
    text = models.TextField(blank=True)
    # Stored, so that checking a row against a query reads its words instead of parsing its
    # text again: the planner counts that as cheap, and walks documents in an order when it
    # expects to find matches soon. GIN-indexed on PostgreSQL (migration 0017).
    words = models.GeneratedField(
        expression=DocumentVector("text"), output_field=DocumentVectorField(), db_persist=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document of task {self.task_id}"


class SearchWord(models.Model):
    # Indexed by the unique constraint, which begins with it.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    word = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")
        constraints = [
            models.UniqueConstraint(fields=["project", "word"], name="search_word_unique"),
        ]

    def __str__(self) -> str:
        return self.word
