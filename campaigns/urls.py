from django.urls import path

from . import api, pages

app_name = "campaigns"

urlpatterns = [
    path("api/campaigns/", api.CampaignList.as_view(), name="campaigns"),
    path("api/campaigns/<int:pk>/", api.CampaignDetail.as_view(), name="campaign"),
    path("api/campaigns/<int:pk>/progress/", api.CampaignProgress.as_view(), name="campaign-progress"),
    path("api/campaigns/<int:pk>/ranking/", api.CampaignRanking.as_view(), name="campaign-ranking"),
    path("api/campaigns/<int:pk>/acceptance/", api.CampaignAcceptance.as_view(), name="campaign-acceptance"),
    path("api/tasks/", api.TaskList.as_view(), name="tasks"),
    path("api/tasks/lights/", api.TaskLights.as_view(), name="task-lights"),
    path("api/tasks/<int:pk>/progress/", api.TaskProgressView.as_view(), name="task-progress"),
    path("campaigns/", pages.campaign_list, name="campaign-list"),
    path("campaigns/new/", pages.campaign_form, name="campaign-new"),
    path("campaigns/<int:pk>/", pages.campaign_page, name="campaign-page"),
    path("campaigns/<int:pk>/edit/", pages.campaign_form, name="campaign-edit"),
    path("campaigns/<int:pk>/report.pdf", pages.campaign_report, name="campaign-report"),
    path("campaigns/acceptance-photos/<int:pk>/image", pages.acceptance_photo, name="acceptance-photo"),
    path("tasks/", pages.task_map, name="task-map"),
    path("tasks/progress-photos/<int:pk>/image", pages.progress_photo, name="progress-photo"),
]
