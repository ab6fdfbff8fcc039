"""Assets and their versions: uploads, the review workflow, admin previews and look-alikes;
their background tasks."""
