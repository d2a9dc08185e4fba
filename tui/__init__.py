"""casework's terminal explorer (Textual). Uses only casework.index's public API."""
