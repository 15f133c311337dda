"""Feasibility review: opinions requested from named departments, each by a due date, and the review's conclusion."""
