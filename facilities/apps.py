from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "设施一码（一厕一码）"

    def ready(self):
        # accounts and layers sit below this app and never import it: it answers their signals.
        from accounts import signals as account_signals
        from layers import signals as layer_signals
        from patrol import signals as patrol_signals

        from . import problem_toilets

        layer_signals.battle_map_drawn.connect(add_facility_layer, dispatch_uid="facilities-map-layer")
        account_signals.operator_account.connect(check_operator, dispatch_uid="facilities-operator-account")
        # an inspector's problem_toilet problem puts the toilet it stands at on the problem-toilet list (004 (十三))
        patrol_signals.issue_reported.connect(problem_toilets.link_report, dispatch_uid="facilities-problem-toilet")
        patrol_signals.issue_transitioned.connect(problem_toilets.release_on_close,
                                                  dispatch_uid="facilities-problem-toilet-closed")


def add_facility_layer(sender, m, request, **kwargs):
    """Receiver of layers.signals.battle_map_drawn: the facilities layer of the battle map. Imported when a map is
    drawn, not at start: maplayer pulls in folium and pandas (3 s), which every manage.py command (migrate,
    demo_setup …) would otherwise load for nothing."""
    from .maplayer import add_facility_layer as add

    return add(m, request)


def check_operator(sender, code, **kwargs):
    """Receiver of accounts.signals.operator_account: the company must exist."""
    from django.core.exceptions import ValidationError

    from .models import Operator

    if not Operator.objects.filter(code=code).exists():
        raise ValidationError(f"服务运营公司 {code!r} 不存在（先用 add_operator 添加）")
