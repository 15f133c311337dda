"""Where projects are: GeoJSON locations (drawn on a map or uploaded), and the map of all projects a user may see."""
