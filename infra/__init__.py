"""The AWS deployment as code: a CDK app whose stack serves the API, the subscriptions and the import."""
