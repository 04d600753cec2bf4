"""Measurements that write their figures into docs/ (make nlu-report, make bench-dialogue)."""
