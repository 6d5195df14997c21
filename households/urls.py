from django.urls import path

from . import api, pages, village_pages

app_name = "households"

urlpatterns = [
    path("api/households/", api.HouseholdList.as_view(), name="households"),
    path("api/households/export.xlsx", api.HouseholdExport.as_view(), name="export"),
    path("api/households/rules/", api.Rules.as_view(), name="rules"),
    path("api/households/goods/", api.Goods.as_view(), name="goods"),
    path("api/households/supervision/", api.Supervision.as_view(), name="supervision-api"),
    path("api/households/entries/<int:pk>/photo", api.EntryPhoto.as_view(), name="entry-photo"),
    path("api/households/goods/<int:pk>/", api.GoodDetail.as_view(), name="good"),
    path("api/households/<str:code>/", api.HouseholdDetail.as_view(), name="household"),
    path("api/households/<str:code>/points/", api.Points.as_view(), name="points"),
    path("api/households/<str:code>/redeem/", api.Redeem.as_view(), name="redeem"),
    path("api/households/<str:code>/issues/", api.LinkIssue.as_view(), name="link-issue"),
    path("api/boards/", api.Boards.as_view(), name="boards"),
    path("api/boards/publish/", api.PublishBoard.as_view(), name="publish-board"),
    path("boards/<str:village>/<str:quarter>/print", pages.poster, name="poster"),
    path("households/", village_pages.register, name="register"),
    path("households/new/", village_pages.household_form, name="household-new"),
    path("households/cards/", village_pages.door_cards, name="cards"),
    path("households/rules/", village_pages.rules, name="rules-page"),
    path("households/redeem/", village_pages.redeem, name="redeem-page"),
    path("households/import-errors/<str:token>.xlsx", village_pages.import_errors, name="import-errors"),
    path("households/<str:code>/edit/", village_pages.household_form, name="household-edit"),
    path("issues/<int:pk>/household/", village_pages.link_issue, name="issue-link"),
    path("households/supervision/", pages.supervision_page, name="supervision"),
    path("households/score/", pages.scoring_page, name="score"),
    path("households/<str:code>/card/", pages.door_card, name="card"),
    path("households/<str:code>/ledger/", pages.ledger_page, name="ledger-page"),
    path("h/", pages.lookup_form, name="lookup-form"),
    path("h/<str:code>", pages.lookup, name="lookup"),
]
