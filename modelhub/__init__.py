"""Models LLM nodes call: the gateway to OpenAI-compatible servers, model configuration, deployments."""
