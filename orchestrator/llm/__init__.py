"""Model layer: the model seam, the Anthropic client, prompt caching, the Messages API's rules, tracing."""
