.PHONY: bench load scaleout faults soak

# The load benchmark on PostgreSQL (about 5 minutes); writes bench/REPORT.md. See bench/README.md.
bench:
	bash bench/run.sh

# 100 people at the DOMAIN peak for 10 minutes (about 15 minutes); RELIABILITY.md section 5.
load:
	bash bench/load.sh

# 2 web + 2 worker processes, then requests/s for 1, 2, 4 web processes; RELIABILITY.md section 6.
scaleout:
	bash bench/scaleout.sh

# 200 tasks and a SIGKILLed worker on the embedded stack (about 5 minutes); RELIABILITY.md section 3.
faults:
	.venv/bin/python bench/worker_faults.py

# The embedded stack for 60 minutes with two worker SIGKILLs; README "Reliability of the embedded stack".
soak:
	.venv/bin/python bench/soak.py
