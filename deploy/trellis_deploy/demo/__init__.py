"""`trellis demo`: a fresh organisation seeded through the platform's public APIs, journey by
journey, then what a downstream consumer saw on the topics and where to look in the web app."""
