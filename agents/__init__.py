"""Agent apps: a persona, skills (plugin tools and published workflows) and knowledge, answered by a
tool-calling loop over the model gateway, with every step traced."""
