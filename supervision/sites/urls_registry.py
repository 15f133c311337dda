"""The smart site's registry, rules and alerts pages (namespace "supervision", joined by supervision/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    # a project's devices
    path("projects/<int:project_pk>/site/devices/", views.project_devices, name="project-site-devices"),
    path("projects/<int:project_pk>/site/devices/export/", views.project_devices_export,
         name="project-site-devices-export"),
    path("projects/<int:project_pk>/site/devices/new/", views.device_create, name="device-create"),
    path("site-devices/<int:pk>/", views.device_detail, name="device-detail"),
    path("site-devices/<int:pk>/edit/", views.device_edit, name="device-edit"),
    path("site-devices/<int:pk>/token/", views.device_token, name="device-token"),
    path("site-devices/<int:pk>/retire/", views.device_retire, name="device-retire"),
    path("site-devices/<int:pk>/rules/<str:key>/", views.device_rule_edit, name="device-rule-edit"),
    path("site-events/<int:pk>/snapshot/", views.camera_snapshot, name="camera-snapshot"),
    # rules
    path("projects/<int:project_pk>/site/rules/", views.project_rules, name="project-site-rules"),
    path("projects/<int:project_pk>/site/rules/<str:key>/", views.site_rule_edit, name="site-rule-edit"),
    path("site-rules/", views.site_rules_defaults, name="site-rules-defaults"),
    path("site-rules/<int:pk>/edit/", views.site_rule_default_edit, name="site-rule-default-edit"),
    path("site-rules/<int:pk>/reset/", views.site_rule_reset, name="site-rule-reset"),
    # alerts
    path("site-alerts/", views.site_alerts, name="site-alerts"),
    path("site-alerts/export/", views.site_alerts_export, name="site-alerts-export"),
    path("site-alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("site-alerts/<int:pk>/clear/", views.alert_clear, name="alert-clear"),
    path("site-alerts/<int:pk>/hazard/", views.alert_hazard, name="alert-hazard"),
    path("projects/<int:project_pk>/site/alerts/", views.project_site_alerts, name="project-site-alerts"),
    path("projects/<int:project_pk>/site/alerts/export/", views.project_site_alerts_export,
         name="project-site-alerts-export"),
]
