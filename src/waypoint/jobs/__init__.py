"""Events and jobs that are never lost (see ``queue``)."""
