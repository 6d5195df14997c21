from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = "地图图层"

    def ready(self):
        # patrol sits below this app and never imports it: the problem's page asks for its panels by a signal.
        from patrol import signals as patrol_signals

        from .smallmap import issue_panel

        patrol_signals.issue_page_panels.connect(issue_panel, dispatch_uid="layers-issue-map")
