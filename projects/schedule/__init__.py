"""The schedule: WBS tasks and milestones, dependencies, baselines, variance and the critical path, the Gantt view, Excel import and export, and the responsibility matrix (RACI)."""
