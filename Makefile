.PHONY: bench

# The load benchmark on PostgreSQL (about 5 minutes); writes bench/REPORT.md. See bench/README.md.
bench:
	bash bench/run.sh
