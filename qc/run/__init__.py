"""Running a batch: plan -> execute -> record, into one SQLite store.

``pipeline`` holds the batch's data flow in one function (``run_batch``), ``plan`` decides
what each call needs given the store, ``executors`` is the table of ways to run the
analyses, ``store`` is the database with its migrations, ``runner`` wires one ``qc run``
(sources, models, progress, outputs).
"""
