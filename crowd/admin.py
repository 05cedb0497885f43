from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crowd.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Platform"), {"fields": ("display_name", "credit_me", "preferred_language")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "date_joined")
