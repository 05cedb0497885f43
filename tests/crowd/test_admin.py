"""Every model has a working admin."""

from __future__ import annotations

import pytest
from django.contrib import admin

from tests.factories import UserFactory


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_each_admin_list_and_add_page_loads(client, db, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    info = (model._meta.app_label, model._meta.model_name)
    assert client.get(f"/admin/{info[0]}/{info[1]}/").status_code == 200
    add = client.get(f"/admin/{info[0]}/{info[1]}/add/")
    assert add.status_code in {
        200,
        403,
    }  # evidence (transcriptions, history) cannot be added by hand
