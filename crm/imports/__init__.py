"""Contact import from CSV and XLSX files.

``parsing`` reads and checks files, ``fields`` knows the mapping targets, ``validation`` checks
one row, ``loading`` writes chunks with COPY and set-based SQL, ``services`` runs it all and
``tasks`` is the Celery entry point.
"""
