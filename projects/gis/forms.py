from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.errors import ApplicationError
from projects.forms import ProjectFilterForm

from . import geojson
from .services import location_normalize

FILE_SUFFIXES = (".geojson", ".json")


class LocationForm(forms.Form):
    """One form, three buttons (`action`): save what is drawn on the map (`geometry`, GeoJSON text the page's
    script fills in), upload a .geojson/.json file, or clear the location. `version` is the fingerprint of the
    location the page showed. `cleaned_data["location"]` is the normalised geometry, or None to clear."""

    ACTIONS = (("save", _("Save the drawing")), ("upload", _("Upload")), ("clear", _("Clear")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    geometry = forms.CharField(label=_("Drawn location (GeoJSON)"), required=False, strip=True,
                               widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("GeoJSON file"), required=False,
                           help_text=_("A .geojson or .json file of at most 2 MB, in WGS84/CGCS2000 longitude and "
                                       "latitude: a geometry, a Feature or a FeatureCollection."))
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "upload":
            data["location"] = self._from_file(data.get("file"))
        elif action == "save":
            if not data.get("geometry"):
                self.add_error("geometry", _("Draw the location on the map first (a point, a line or an area)."))
            else:
                data["location"] = self._normalized(data["geometry"], "geometry")
        elif action == "clear":
            data["location"] = None
        return data

    def _from_file(self, upload):
        if upload is None:
            self.add_error("file", _("Choose a .geojson or .json file."))
            return None
        if not upload.name.lower().endswith(FILE_SUFFIXES):
            self.add_error("file", _("%(name)s is not a .geojson or .json file.") % {"name": upload.name})
            return None
        if upload.size > geojson.MAX_BYTES:
            self.add_error("file", _("The file is %(size).1f MB; at most 2 MB is accepted.")
                           % {"size": upload.size / (1024 * 1024)})
            return None
        return self._normalized(upload.read(), "file")

    def _normalized(self, value, field: str):
        try:
            return location_normalize(value, field=field)
        except ApplicationError as exc:
            for message in exc.extra[field]:
                self.add_error(field, message)
            return None


class MapFilterForm(ProjectFilterForm):
    """The list page's filters; the map has no order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["sort"]

    def api_query(self) -> dict[str, str]:
        """The valid filters as query parameters of /api/v1/projects/map/ (call after is_valid())."""
        params = {}
        for name, value in self.cleaned_data.items():
            if name == "overdue":
                if value:
                    params[name] = "1"
            elif value:
                params[name] = str(value)
        return params
