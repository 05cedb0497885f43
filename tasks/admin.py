"""Admin for every model. Transcriptions, decisions and moderation records are read-only and
cannot be deleted: they are evidence. Deleting a project archives it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crowd.users import acting_user
from tasks.models import (
    Batch,
    ContributorVoid,
    FieldResult,
    FieldResultVersion,
    Lease,
    Membership,
    Project,
    ProjectBlock,
    ProjectReviewEntry,
    Resolution,
    Task,
    Template,
    Transcription,
)
from tasks.services.moderation import project_archive, project_restore
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
    """Deleting here archives: the confirmation lists nothing to lose because nothing is lost.
    Only `manage.py project_purge` deletes, after writing an export. The review moves only
    through its services, so that every step is recorded."""

    list_display = (
        "slug",
        "title_fr",
        "status",
        "visibility",
        "review_state",
        "archived_at",
        "created_at",
    )
    list_filter = (
        "review_state",
        "status",
        "visibility",
        ("archived_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("slug", "title_fr", "title_en")
    prepopulated_fields = {"slug": ("title_en",)}
    readonly_fields = (
        "progress",
        "progress_updated_at",
        "created_at",
        "updated_at",
        "review_state",
        "review_reason",
        "archived_at",
        "archived_by",
    )
    inlines = [TemplateInline, MembershipInline, ReviewEntryInline]
    actions = ["review_approve", "archive_selected", "restore_selected"]

    @admin.action(description=gettext_lazy("Approve for the public (review)"))
    def review_approve(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            project_review_approve(project=project, reviewer=acting_user(request.user))
        approved = len(queryset)
        self.message_user(
            request,
            ngettext("%(count)s project approved.", "%(count)s projects approved.", approved)
            % {"count": approved},
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        return [str(obj) for obj in objs], {}, set(), []

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        project_archive(project=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            self.delete_model(request, project)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for project in queryset:
            self.log_change(request, project, _("Archived."))

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> HttpResponse:
        self.message_user(
            request,
            _(
                "“%(name)s” is archived: hidden from everyone but staff, its data kept. "
                "Restore it from the list, or purge it with manage.py project_purge."
            )
            % {"name": obj_display},
        )
        return HttpResponseRedirect(reverse("admin:tasks_project_changelist"))

    @admin.action(description=gettext_lazy("Archive the selected projects (nothing is deleted)"))
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        self.delete_queryset(request, queryset)

    @admin.action(description=gettext_lazy("Restore the selected archived projects"))
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            project_restore(project=project, actor=request.user)  # type: ignore[arg-type]


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


class EvidenceAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "task", "user", "state", "created_at", "expires_at")
    list_filter = ("state",)
    raw_id_fields = ("task", "user")
    show_full_result_count = False


@admin.register(Transcription)
class TranscriptionAdmin(EvidenceAdmin):
    list_display = ("id", "project", "task", "user", "void", "created_at")
    list_filter = ("project", ("void", admin.EmptyFieldListFilter))
    raw_id_fields = ("task", "user", "lease", "void")
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
class ResolutionAdmin(EvidenceAdmin):
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


@admin.register(ProjectBlock, ContributorVoid)
class ModerationRecordAdmin(EvidenceAdmin):
    list_display = ("project", "user", "created_by", "created_at", "reason", "lifted_at")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter), "project")
    search_fields = ("user__username", "project__slug")
    raw_id_fields = ("user", "created_by", "lifted_by")
