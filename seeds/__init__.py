"""The bundled demo corpus: two news articles on Mexico's campaign against the CJNG cartel."""
