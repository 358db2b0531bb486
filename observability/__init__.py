"""What the server measures about itself: request and source-batch figures, and traces when they are switched on."""
