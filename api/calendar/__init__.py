"""The business calendar: public holidays, weekends and store closures."""
