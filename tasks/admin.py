"""Admin for every model. Transcriptions and history are read-only: they are evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crowd.users import acting_user
from tasks.models import (
    Batch,
    FieldResult,
    FieldResultVersion,
    Lease,
    Membership,
    Project,
    ProjectReviewEntry,
    Resolution,
    Task,
    Template,
    Transcription,
)
from tasks.services.project_review import project_review_approve


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "project"
    extra = 0
    raw_id_fields = ("user", "added_by")


class TemplateInline(admin.StackedInline):
    model = Template
    extra = 0
    can_delete = False


class ReviewEntryInline(admin.TabularInline):
    model = ProjectReviewEntry
    extra = 0
    can_delete = False
    fields = readonly_fields = ("action", "actor", "reason", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("slug", "title_fr", "status", "visibility", "review_state", "created_at")
    list_filter = ("review_state", "status", "visibility")
    search_fields = ("slug", "title_fr", "title_en")
    prepopulated_fields = {"slug": ("title_en",)}
    # The review moves only through its services, so that every step is recorded.
    readonly_fields = (
        "progress",
        "progress_updated_at",
        "created_at",
        "updated_at",
        "review_state",
        "review_reason",
    )
    inlines = [TemplateInline, MembershipInline, ReviewEntryInline]
    actions = ["review_approve"]

    @admin.action(description=_("Approve for the public (review)"))
    def review_approve(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            project_review_approve(project=project, reviewer=acting_user(request.user))
        self.message_user(request, _("%(count)s projects approved.") % {"count": len(queryset)})


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("project", "preset", "version", "updated_at")
    readonly_fields = ("version",)


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "project",
        "state",
        "files_total",
        "files_ok",
        "files_failed",
        "created_at",
    )
    list_filter = ("state", "project")
    raw_id_fields = ("created_by",)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "original_name",
        "state",
        "transcription_count",
        "target",
        "priority",
    )
    list_filter = ("state", "project")
    search_fields = ("original_name", "content_hash")
    raw_id_fields = ("batch",)
    list_select_related = ("project",)
    show_full_result_count = False  # a COUNT(*) over a million tasks on every page is not free


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "user", "state", "created_at", "expires_at")
    list_filter = ("state",)
    raw_id_fields = ("task", "user")
    show_full_result_count = False


@admin.register(Transcription)
class TranscriptionAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "task", "user", "created_at")
    list_filter = ("project",)
    raw_id_fields = ("task", "user", "lease")
    show_full_result_count = False


class FieldResultVersionInline(admin.TabularInline):
    model = FieldResultVersion
    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FieldResult)
class FieldResultAdmin(ReadOnlyAdmin):
    list_display = ("task", "key", "value", "status", "agreement", "support", "n")
    list_filter = ("status", "project", "key")
    raw_id_fields = ("task",)
    inlines = [FieldResultVersionInline]
    show_full_result_count = False


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ("field_result", "decision", "curator", "reason", "created_at")
    list_filter = ("decision",)
    raw_id_fields = ("field_result", "curator")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("project", "user", "role", "created_at")
    list_filter = ("role", "project")
    search_fields = ("user__username", "project__slug")
    raw_id_fields = ("user", "added_by")
    autocomplete_fields = ("project",)
