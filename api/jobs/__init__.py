"""Progress of long jobs (issue 15): what a CLI bar shows, staff read in the schema."""
