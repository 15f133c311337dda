"""BIM: IFC models of a project read in the background (IfcOpenShell, Celery), linked to the schedule (4D) and to
inspections, and shown in the self-hosted model viewer."""
