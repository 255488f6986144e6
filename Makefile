# Shortcuts; each calls dev.py, which needs nothing but Python 3.11.
.PHONY: run test bench sync report
run:
	python3 dev.py run
test:
	python3 dev.py test
bench:
	python3 dev.py bench
sync:
	.venv/bin/python -m data.sync
report:
	.venv/bin/python -m metrics.report
