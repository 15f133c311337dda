"""What the overview part adds to the supervision plugin: the quality & safety card of the home pages."""

from portal.core.plugins import HomeCard

from . import home

HOME_CARDS = [HomeCard("supervision-quality", "supervision/home/_card.html", home.home_context, order=40)]
