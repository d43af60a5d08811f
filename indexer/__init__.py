"""Feed intake: readers, column detection, normalization, matching, the ingest pipeline, jobs."""
