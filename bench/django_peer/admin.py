"""Django's own UserAdmin, with as many rows a page as mfo's user list in the benchmark."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User


class PeerUserAdmin(UserAdmin):
    """The stock user admin (columns, filters, search, ordering) with the benchmark's page size."""

    list_per_page = settings.PEER_LIST_PER_PAGE


admin.site.unregister(User)
admin.site.register(User, PeerUserAdmin)
