#!/usr/bin/env bash
# Issue #15's reading figures: the read time, peak memory (the child's maximum resident set), GLB size and element
# counts of the largest samples — a generated building whose IFC weighs about 50 MB (projects.bim.samples, built
# once with IfcOpenShell's API and kept) and the real sample of the tests (tests/data/ifc/) — each read BIM_RUNS
# times by the reading's child process, as the Celery task starts it (bench/bim_read.py). No database, no server.
# Writes bench/results/bim-<date>.md (the viewer's first render comes from bench/bim_viewer.sh); raw figures in
# bench/out/bim-read/read.json.
#
#   bash bench/bim.sh
#
# Knobs: BIM_BAYS (28) and BIM_STOREYS (10): the generated building's grid (28 × 28 bays on 10 storeys: about
# 32,000 elements, 50 MB of IFC); BIM_RUNS (3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec .venv/bin/python bench/bim_read.py --bays "${BIM_BAYS:-28}" --storeys "${BIM_STOREYS:-10}" \
  --runs "${BIM_RUNS:-3}" "$@"
