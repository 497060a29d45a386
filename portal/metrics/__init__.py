"""The program's success measures (SPEC 12): computed in SQL, shown as charts and tables."""
