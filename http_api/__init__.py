"""The HTTP face of the API: GraphQL over HTTP, request ids and coded JSON answers for every error."""
