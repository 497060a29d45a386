"""Background jobs: work too long for a request, run by `flask jobs work`."""
