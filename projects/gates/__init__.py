"""Stage gates: the checklist for leaving each stage, project documents, confirmations, and the recorded move to the next stage."""
