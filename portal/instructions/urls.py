from django.urls import path

from . import views

app_name = "instructions"

urlpatterns = [
    path("", views.instruction_list, name="list"),
    path("write/<str:target_type>/<str:target_id>/", views.instruction_write, name="write"),
    path("<int:pk>/answer/", views.instruction_answer, name="answer"),
    path("<int:pk>/withdraw/", views.instruction_withdraw, name="withdraw"),
]
