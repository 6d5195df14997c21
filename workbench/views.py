"""The home page as each role's workbench (工作台), and the leaders' one-screen page (/leader/)."""
from django.shortcuts import render
from django.utils import timezone

from . import queues


def home(request):
    return render(request, "workbench/home.html", queues.for_user(request.user))


def leader(request):
    """Long-unresolved problems and open orders in the user's area on one screen (read-only)."""
    return render(request, "workbench/leader.html", {"overview": queues.overview(request.user, timezone.localdate())})
