"""The QKeras side as a user meets it: models built and trained the way the seeds (and users) do, and loading them."""
