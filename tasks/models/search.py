"""The results search: one document of words per image, and each project's vocabulary.

A document holds the folded words (`tasks.search_words`) of an image's file name and metadata,
of its reconciled values and of every transcription that counts. It is written by the services
that change them (ingest, submissions, reconciliation, curators' decisions) and rebuilt for
existing data by `manage.py search_rebuild`. On PostgreSQL, migration 0017 indexes it with a
GIN index on `to_tsvector('simple', text)`; SQLite looks words up as substrings.

The vocabulary is the project's distinct words of letters: on PostgreSQL a trigram index on it
(pg_trgm) finds the words a misspelt query word was meant to be ("quercsu" → "quercus"), which
are then searched for like any other word. Words stay once seen: a word no document holds any
more finds nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project
from tasks.models.work import Task


class TaskDocument(models.Model):
    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    # Not indexed: searches go through the text's index and join the task; rebuilds walk tasks.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    # " word word … " (see tasks.search_words.document_text).
    text = models.TextField(blank=True)
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
